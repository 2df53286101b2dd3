#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Starts a live broker OUTSIDE the Swift chroot (it sandboxes itself in a
# private network namespace), then runs a command inside the chroot with the
# broker's socket directory bind-mounted at the same path and
# VMNET_BROKER_SOCKET set. Stops the broker and removes its directory on exit,
# also when the command fails or is interrupted.
#
#   tools/swift/with-broker.sh <command> [args...]
#
# Needs the daemon built (packages/broker-daemon/dist; `nx run broker-daemon:build`).
set -euo pipefail

checkout="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
daemon="$checkout/packages/broker-daemon/dist/cli/main.js"

die() {
  echo "with-broker.sh: $*" >&2
  exit 1
}

(($#)) || die "usage: with-broker.sh <command> [args...]"
[[ -f $daemon ]] || die "$daemon is missing: build the daemon (NX_DAEMON=false npx nx run broker-daemon:build)"

dir="$(mktemp -d /tmp/vmnet-broker-swift.XXXXXX)"
broker_pid=""
stop_broker() {
  if [[ -n $broker_pid ]] && kill -0 "$broker_pid" 2>/dev/null; then
    kill -TERM "$broker_pid" 2>/dev/null || true
    # Bounded wait for a clean shutdown (it removes its namespace and dnsmasq).
    for _ in $(seq 1 100); do
      kill -0 "$broker_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$broker_pid" 2>/dev/null || true
    wait "$broker_pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap stop_broker EXIT
trap 'exit 130' INT TERM HUP

mkdir -p "$dir/conf" "$dir/run"
node "$daemon" serve --socket "$dir/broker.sock" --config-dir "$dir/conf" --runtime-dir "$dir/run" \
  --idle-delay-ms 2000 >"$dir/broker.log" 2>&1 &
broker_pid=$!

# Ready when `status` answers; bounded so a broken daemon cannot hang the run.
for _ in $(seq 1 300); do
  if node "$daemon" status --json --socket "$dir/broker.sock" >/dev/null 2>&1; then
    break
  fi
  kill -0 "$broker_pid" 2>/dev/null || {
    cat "$dir/broker.log" >&2
    die "the broker exited during start-up"
  }
  sleep 0.1
done
node "$daemon" status --json --socket "$dir/broker.sock" >/dev/null 2>&1 || {
  cat "$dir/broker.log" >&2
  die "the broker did not answer at $dir/broker.sock within 30 s"
}

export VMNET_BROKER_SOCKET="$dir/broker.sock"
status=0
"$checkout/tools/swift/chroot.sh" run "$dir" -- "$@" || status=$?
if ((status != 0)); then
  echo "with-broker.sh: command failed ($status); broker log follows" >&2
  tail -n 50 "$dir/broker.log" >&2
fi
exit "$status"
