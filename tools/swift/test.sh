#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# client-swift's tests: `swift test` in the chroot against a live broker, and a
# check that the live suite really ran (it is skipped without a broker).
set -euo pipefail
checkout="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
log="$(mktemp /tmp/vmnet-broker-swift-test.XXXXXX)"
trap 'rm -f "$log"' EXIT
cd "$checkout/packages/client-swift"
status=0
"$checkout/tools/swift/with-broker.sh" swift test "$@" 2>&1 | tee "$log" || status=$?
((status == 0)) || exit "$status"
if ! grep -q 'Suite "live broker" passed' "$log"; then
  echo "test.sh: the live broker suite did not run and pass" >&2
  exit 1
fi
