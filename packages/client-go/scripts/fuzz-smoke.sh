#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A short run of each fuzz target (FUZZTIME, default 10s each), seeded with
# the golden vectors. A crasher is saved under testdata/fuzz/ by go test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
for target in FuzzDecodeReply FuzzReadFrame; do
  go test -run '^$' -fuzz "^${target}\$" -fuzztime "${FUZZTIME:-10s}" .
done
