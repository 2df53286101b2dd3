#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fails, printing the diff, when `npm run generate` changes any committed file:
# generated code must always be current with protocol/.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent generate >/dev/null
generated=(packages/client-ts/src/gen packages/client-go/internal/brokerpb packages/client-c/src/gen packages/client-swift/Sources/VmnetBrokerProto)
changes=$(git status --porcelain -- "${generated[@]}")
if [ -n "$changes" ]; then
  echo "Generated code is not current with protocol/. Run 'npm run generate' and commit:" >&2
  echo "$changes" >&2
  git --no-pager diff -- "${generated[@]}" >&2
  exit 1
fi
echo "generated code: current (${#generated[@]} outputs)"
