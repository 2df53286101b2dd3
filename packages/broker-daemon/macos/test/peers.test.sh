#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Tests the install scripts' peer counting (common.sh) on Linux, with fakes on
# PATH: launchctl (the job is loaded unless told), plutil (-extract KEYPATH raw
# of JSON, as macOS's does: an array's count, a number as is) and the broker's
# `status --json`. Run by tools/darwin-check.sh; exit status 0 when all passed.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/path" "$work/prefix/bin"

cat >"$work/path/launchctl" <<'SH'
#!/usr/bin/env bash
[ "${FAKE_JOB_LOADED:-yes}" = yes ]
SH
cat >"$work/path/plutil" <<'SH'
#!/usr/bin/env python3
import json, sys
args = sys.argv[1:]
assert args[0] == "-extract" and args[2:] == ["raw", "-o", "-", "-"], args
value = json.load(sys.stdin)
for key in args[1].split("."):
    try:
        value = value[int(key)] if isinstance(value, list) else value[key]
    except (KeyError, IndexError, ValueError, TypeError):
        sys.exit(1)
print(len(value) if isinstance(value, (list, dict)) else value)
SH
cat >"$work/prefix/bin/vmnet-broker" <<'SH'
#!/usr/bin/env bash
[ "$*" = "status --json" ] || exit 2
[ -n "${FAKE_STATUS:-}" ] || exit 1
printf '%s\n' "$FAKE_STATUS"
SH
chmod +x "$work/path/"* "$work/prefix/bin/vmnet-broker"

export PATH="$work/path:$PATH" VMNET_BROKER_PREFIX="$work/prefix"
# shellcheck source-path=SCRIPTDIR/..
# shellcheck source=common.sh
. "$here/../common.sh"

failures=0
check() { # check <label> <expected> <actual>
  if [ "$2" = "$3" ]; then echo "ok    $1"; else echo "FAIL  $1: expected '$2', got '$3'"; failures=$((failures + 1)); fi
}
status_with() { # status_with <networks of each peer, as JSON arrays>...
  local peers="" sep="" i=1
  for networks in "$@"; do peers+="$sep{\"id\": $i, \"uid\": 501, \"networks\": $networks}"; sep=", "; i=$((i + 1)); done
  printf '{"platform": "darwin", "peers": [%s], "networks": []}' "$peers"
}
refusal() { # the message and status of refuse_while_peers_connected <force>
  local out
  out="$( (refuse_while_peers_connected "$1") 2>&1)"
  echo "$?:$out"
}

count() { FAKE_STATUS="$1" connected_peers; } # count <status JSON>

check "the asker alone (listed, holding nothing) is no VM" 0 "$(count "$(status_with '[]')")"
check "the asker not listed, nobody else" 0 "$(count "$(status_with)")"
check "two VMs and the asker" 2 "$(count "$(status_with '[]' '["shared"]' '["shared", "host"]')")"
check "one VM, the asker not listed" 1 "$(count "$(status_with '["host"]')")"
check "two peers holding nothing (another status)" 0 "$(count "$(status_with '[]' '[]')")"
check "status fails" unknown "$(count "")"
check "a status without networks per peer" unknown "$(count '{"peers": [{"id": 1}]}')"
check "the job is not loaded" 0 "$(FAKE_JOB_LOADED=no count "")"

export FAKE_STATUS
FAKE_STATUS="$(status_with '[]')"
check "upgrade goes ahead with only the asker" "0:" "$(refusal no)"
FAKE_STATUS="$(status_with '[]' '["shared"]' '["host"]')"
result="$(refusal no)"
check "upgrade refuses with two VMs" "1:2 VM connection(s) are using the broker" "$(sed -E 's/; stop those.*//; s/^([0-9]):[^:]*: /\1:/' <<<"$result")"
result="$(refusal yes)"
check "--force goes ahead with a warning" "0:warning: continuing with 2" "$(sed -E 's/ connected peer.*//; s/^([0-9]):[^:]*: /\1:/' <<<"$result")"

echo "peers.test.sh: $failures failed"
[ "$failures" -eq 0 ]
