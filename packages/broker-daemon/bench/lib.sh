# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Helpers for run.sh: starting and stopping sandboxed brokers, guest namespaces,
# reading a process's resident memory. Sourced, never run. Every wait is bounded.

# Starts a sandboxed broker (its own private network namespace) with its files
# under $1; sets BROKER_OUTER (the pid we started and signal) and BROKER_PID (the
# broker's node process, whose memory we read).
start_broker() {
  local dir=$1 argv0
  mkdir -p "$dir"
  # The parent-death signal survives the sandbox's re-exec: if this script is
  # killed, its brokers go too.
  setpriv --pdeathsig KILL node "$DAEMON/dist/cli/main.js" serve --socket "$dir/broker.sock" --config-dir "$dir/conf" \
    --runtime-dir "$dir/run" --idle-delay-ms 600000 --log-level warn 2>>"$dir/broker.log" &
  BROKER_OUTER=$!
  OWNED_PIDS+=("$BROKER_OUTER")
  for _ in $(seq 600); do
    [ -S "$dir/broker.sock" ] && break
    kill -0 "$BROKER_OUTER" 2>/dev/null || break
    sleep 0.05
  done
  if [ ! -S "$dir/broker.sock" ]; then
    tail -n 20 "$dir/broker.log" >&2
    fail "the broker did not create $dir/broker.sock within 30 s"
  fi
  # The sandbox re-executes the broker in place (same pid). Should it ever run
  # the broker as a child of `unshare` instead (a pid namespace), take the child.
  BROKER_PID=$BROKER_OUTER
  argv0=$(tr '\0' '\n' <"/proc/$BROKER_OUTER/cmdline" | head -n 1)
  if [ "$(basename "$argv0")" = unshare ]; then
    BROKER_PID=""
    read -r BROKER_PID _ <"/proc/$BROKER_OUTER/task/$BROKER_OUTER/children" || true
    [ -n "$BROKER_PID" ] || fail "no broker process under the sandbox pid $BROKER_OUTER"
  fi
  tr '\0' ' ' <"/proc/$BROKER_PID/cmdline" | grep -q "main.js serve" ||
    fail "pid $BROKER_PID is not the broker: $(tr '\0' ' ' <"/proc/$BROKER_PID/cmdline")"
}

# SIGKILL: nothing leaks (dnsmasq has a parent-death signal, and the namespace
# goes when its last process does), and it works whatever the sandbox's shape.
stop_broker() {
  kill -KILL "$BROKER_OUTER" 2>/dev/null || true
  wait "$BROKER_OUTER" 2>/dev/null || true
}

# A guest network namespace held by a sleeping child that dies with us
# (parent-death signal); sets GUEST_PID. Its namespace is /proc/$GUEST_PID/ns/net.
start_guest() {
  setpriv --pdeathsig KILL unshare --net sleep 600 &
  GUEST_PID=$!
  OWNED_PIDS+=("$GUEST_PID")
  for _ in $(seq 100); do
    [ "$(readlink "/proc/$GUEST_PID/ns/net" 2>/dev/null)" != "$(readlink /proc/self/ns/net)" ] && return 0
    sleep 0.02
  done
  fail "guest namespace did not appear (pid $GUEST_PID)"
}

stop_pid() {
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# Resident memory of a process in kB (VmRSS in /proc/<pid>/status).
rss_kb() {
  awk '/^VmRSS:/ {print $2}' "/proc/$1/status"
}

fail() {
  echo "bench: $*" >&2
  exit 1
}

note() {
  printf '\n== %s\n' "$*" >&2
}

# One cold run of the shell floor, printing one JSON object like cold-broker's.
# A fresh private namespace (the same unshare flags as the broker's sandbox) is
# made first, outside the timing; inside it cold-floor-inner.sh runs the Linux
# backend's floor script, attaches the guest by veth and ends with the same DHCP
# probe as the broker's measurement.
cold_floor_once() {
  local dir=$1 pid
  mkdir -p "$dir"
  [ -f "$FLOOR_SCRIPT" ] || fail "the shell floor script $FLOOR_SCRIPT is missing"
  start_guest
  # The guest namespace travels as fd 7: /proc inside the floor's pid namespace
  # does not show our pids.
  exec 7<"/proc/$GUEST_PID/ns/net"
  setpriv --pdeathsig KILL unshare --net --pid --fork --kill-child --mount-proc -- \
    bash "$BENCH/cold-floor-inner.sh" "$FLOOR_SCRIPT" "$dir" "$OUT" >"$dir/result.json" 2>"$dir/log" &
  pid=$!
  OWNED_PIDS+=("$pid")
  exec 7<&-
  wait "$pid" || { cat "$dir/log" >&2; stop_pid "$GUEST_PID"; return 1; }
  stop_pid "$GUEST_PID"
  cat "$dir/result.json"
}
