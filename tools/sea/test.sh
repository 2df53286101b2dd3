#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# shellcheck disable=SC2016 # the node -e programs are JavaScript, not shell
# Builds the single executable and runs it for real: `--version`, then `status`
# (text and --json) against a live broker sandboxed in a private network namespace
# (`serve` without --host), before and while a client holds `shared`.
# Everything it starts is stopped and removed on exit, also on failure.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
daemon="$root/packages/broker-daemon"
main_js="$daemon/dist/cli/main.js"

if [ ! -f "$main_js" ]; then
  echo "sea/test: SKIP: $main_js does not exist yet (build it: npx nx run broker-daemon:build)"
  exit 0
fi

work="$(mktemp -d /tmp/vmnet-broker-sea-test.XXXXXX)"
broker_pid="" holder_pid=""
cleanup() {
  status=$?
  if [ -n "$holder_pid" ]; then kill "$holder_pid" 2>/dev/null || true; fi
  if [ -n "$broker_pid" ]; then
    # A second SIGTERM within 10 s forces a stop even with peers; KILL as the
    # last resort: the sandbox's namespace dies with its last process.
    kill -TERM "$broker_pid" 2>/dev/null || true
    sleep 0.2
    kill -TERM "$broker_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$broker_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$broker_pid" 2>/dev/null || true
    wait "$broker_pid" 2>/dev/null || true
  fi
  if [ "$status" != 0 ] && [ -f "$work/broker.log" ]; then
    echo "sea/test: broker log:"; sed 's/^/  /' "$work/broker.log"
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
fail() { echo "sea/test: FAIL: $*" >&2; exit 1; }
pass() { echo "sea/test: ok    $*"; }

out="$(node "$root/tools/sea/build.mjs" --out "$work/sea")"
exe="$out/bin/vmnet-broker"
[ -x "$exe" ] || fail "build.mjs did not produce $exe"
grep -q NODE_SEA_BLOB "$exe" || fail "$exe carries no NODE_SEA_BLOB resource"
addons=("$out"/bin/*.node)
[ "${#addons[@]}" = 2 ] || fail "expected 2 addons beside the executable, found: ${addons[*]}"
pass "built $(du -h "$exe" | cut -f1) executable with ${#addons[@]} addons beside it"

version="$(node -p "require('$daemon/package.json').version")"
got="$("$exe" --version)"
[ "$got" = "vmnet-broker $version" ] || fail "--version printed '$got', expected 'vmnet-broker $version'"
pass "--version: $got"

# The executable must not depend on the checkout: run it from an empty directory
# with the repository's node_modules out of reach.
cd "$work"

socket="$work/broker.sock"
node "$main_js" serve --socket "$socket" --config-dir "$work/conf" --runtime-dir "$work/run" \
  --idle-delay-ms 60000 2>"$work/broker.log" &
broker_pid=$!
for _ in $(seq 100); do [ -S "$socket" ] && break; sleep 0.1; done
[ -S "$socket" ] || fail "the sandboxed broker did not create $socket"

json="$("$exe" status --json --socket "$socket")" || fail "status --json failed"
node -e '
  const s = JSON.parse(process.argv[1]);
  const want = Number(process.argv[2]);
  if (s.platform !== "linux") throw new Error(`platform ${s.platform}`);
  if (s.pid !== want) throw new Error(`pid ${s.pid}, broker is ${want}`);
  if (s.networks.some((n) => n.live)) throw new Error(`live networks before any acquire: ${JSON.stringify(s.networks)}`);
' "$json" "$broker_pid" || fail "status --json before acquire: $json"
pass "status --json reaches the sandboxed broker (pid $broker_pid)"

# A client holds `shared` for as long as its stdin stays open.
mkfifo "$work/hold"
node "$main_js" acquire --socket "$socket" --until-stdin-closes shared <"$work/hold" >"$work/acquire.out" 2>&1 &
holder_pid=$!
exec 3>"$work/hold"
for _ in $(seq 100); do grep -q shared "$work/acquire.out" 2>/dev/null && break; sleep 0.1; done
grep -q shared "$work/acquire.out" || fail "acquire did not print the network: $(cat "$work/acquire.out")"

json="$("$exe" status --json --socket "$socket")" || fail "status --json failed"
node -e '
  const s = JSON.parse(process.argv[1]);
  const shared = s.networks.find((n) => n.network.name === "shared");
  if (!shared || shared.references !== 1) throw new Error("shared is not held once");
  if (!s.peers.some((p) => p.networks.includes("shared"))) throw new Error("no peer holds shared");
' "$json" || fail "status --json while held: $json"
text="$("$exe" status --socket "$socket")" || fail "status failed"
grep -Eq '^shared +shared ' <<<"$text" || fail "status text lacks the shared network: $text"
pass "status shows shared held by one peer"

# The bridge exists only inside the sandbox, never in this namespace.
if ip -o link show | grep -q 'vmbr-'; then fail "a vmbr- bridge appeared outside the sandbox"; fi
pass "no bridge outside the sandbox"

exec 3>&-
wait "$holder_pid" 2>/dev/null || true
holder_pid=""
echo "sea/test: all passed"
