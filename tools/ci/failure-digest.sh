#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Prints the lines of a test log that say what failed (go test, the fuzzers,
# vitest, make, nx), with a little context, colours stripped, at most 120 lines;
# then the last lines of each task nx lists as failed, since a check may fail
# without any of those words (a lint's own message).
set -euo pipefail
log="${1:?usage: failure-digest.sh LOG}"
plain="$(sed -e 's/\x1b\[[0-9;]*m//g' "$log")"
grep -n -E -A6 -- '--- FAIL|^FAIL|panic:|Failing input|fuzz: .*(fail|hung)|(^| )FAIL |AssertionError|Error: |not ok |\*\*\* \[|failed to|Failed tasks' <<<"$plain" |
  tail -n 120 || echo "(no failure line matched; see the full log above)"
sed -n '/^Failed tasks:/,/^ *Run duration/s/^- \([A-Za-z0-9_.-]*:[A-Za-z0-9_.-]*\)$/\1/p' <<<"$plain" | sort -u |
while read -r task; do
  echo
  echo "=== the end of nx run $task ==="
  awk -v start="> nx run $task" 'index($0, start) == 1 { on = 1; next } /^> nx run / { on = 0 } on' <<<"$plain" |
    grep -v '^ *$' | tail -n 15
done
