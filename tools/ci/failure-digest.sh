#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Prints the lines of a test log that say what failed (go test, the fuzzers,
# vitest, make, nx), with a little context, colours stripped, at most 120 lines.
set -euo pipefail
log="${1:?usage: failure-digest.sh LOG}"
sed -e 's/\x1b\[[0-9;]*m//g' "$log" |
  grep -n -E -A6 -- '--- FAIL|^FAIL|panic:|Failing input|fuzz: .*(fail|hung)|(^| )FAIL |AssertionError|Error: |not ok |\*\*\* \[|failed to|Failed tasks' |
  tail -n 120 || echo "(no failure line matched; see the full log above)"
