#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every published artifact carries the license: the root LICENSE (Apache-2.0),
# copied (not linked: npm pack and Go module zips skip symlinks) into each package.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
if ! grep -q "Version 2.0, January 2004" "$root/LICENSE"; then
  echo "check-license: $root/LICENSE is not the Apache License 2.0" >&2
  exit 1
fi
status=0
for pkg in client-ts broker-daemon client-c client-go client-swift; do
  file="$root/packages/$pkg/LICENSE"
  if [[ -L $file ]] || ! cmp -s "$root/LICENSE" "$file"; then
    echo "check-license: packages/$pkg/LICENSE is missing, a symlink, or differs from LICENSE" >&2
    status=1
  fi
done
for manifest in "$root"/package.json "$root"/packages/*/package.json; do
  grep -q '"license": "Apache-2.0"' "$manifest" || { echo "check-license: $manifest: license is not Apache-2.0" >&2; status=1; }
done
[[ $status == 0 ]] && echo "check-license: LICENSE in every package"
exit "$status"
