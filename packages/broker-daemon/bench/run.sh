#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The broker's benchmarks, each next to a floor measured in the same run:
#   1. warm acquire round trip, one connection, one request at a time
#      (floor: echo-floor, a C server doing the same framed exchange);
#   2. cold creation of `shared` until DHCP offers an address
#      (floor: the Linux backend's shell script doing the same steps);
#   3. acquires per second with 1, 10 and 100 concurrent connections
#      (next to the echo floor at the same concurrency);
#   4. broker memory with 1,000 peers each holding `shared`, next to the idle broker.
# Every broker runs in its own sandbox (the CLI default: a private namespace), guests
# are private namespaces that die with this script, and nothing is sent anywhere
# but between those namespaces. Needs root (veth pairs into guest namespaces).
#
#   bash bench/run.sh            (from packages/broker-daemon, after its build)
# Knobs (environment): BENCH_REQUESTS (20000), BENCH_THROUGHPUT_REQUESTS (50000 per
# concurrency level), BENCH_ROUNDS (5: rounds of the warm and rate measurements),
# BENCH_COLD_RUNS (9), BENCH_PEERS (1000), BENCH_FLOOR_SCRIPT.
set -euo pipefail
BENCH=$(cd "$(dirname "$0")" && pwd)
DAEMON=$(dirname "$BENCH")
OUT=$BENCH/out
REQUESTS=${BENCH_REQUESTS:-20000}
THROUGHPUT_REQUESTS=${BENCH_THROUGHPUT_REQUESTS:-50000}
COLD_RUNS=${BENCH_COLD_RUNS:-9}
ROUNDS=${BENCH_ROUNDS:-5}
# The broker sizes --max-connections to its fd limit (25 fds per connection at
# worst); 1,000 peers need more than a default hard limit of 20,000, so raise it
# for the brokers this script starts (root may, unless a container forbids it:
# then hold as many peers as fit, 700 at 20,000).
if ulimit -Hn 65536 2>/dev/null; then ulimit -Sn 65536; else ulimit -Sn "$(ulimit -Hn)"; fi
FITTING_PEERS=$(($(ulimit -Sn) * 7 / 200))
PEERS=${BENCH_PEERS:-$((FITTING_PEERS < 1000 ? FITTING_PEERS : 1000))}
# The Linux backend's shell floor for cold creation (bridge, nftables, dnsmasq).
FLOOR_SCRIPT=${BENCH_FLOOR_SCRIPT:-$BENCH/floor-create-shared.sh}
OWNED_PIDS=()
# shellcheck source=lib.sh
source "$BENCH/lib.sh"

[ "$(id -u)" = 0 ] || fail "run as root: the cold-creation step moves veth ends into guest namespaces"
[ -f "$DAEMON/dist/cli/main.js" ] || fail "build the daemon first (nx run broker-daemon:build)"
make -s -C "$BENCH" all >&2

WORK=$(mktemp -d /tmp/vmnet-broker-bench.XXXXXX)
RESULTS=$WORK/results.jsonl
cleanup() {
  local pid
  for pid in "${OWNED_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# record KIND SIDE COMMAND...: runs the command, which prints one JSON object.
record() {
  local kind=$1 side=$2 json
  shift 2
  json=$("$@") || fail "$kind ($side) failed: $*"
  printf '{"kind":"%s","side":"%s","result":%s}\n' "$kind" "$side" "$json" >>"$RESULTS"
  printf '%-8s %-12s %s\n' "$kind" "$side" "$json" >&2
}

load() { # socket clients requests-per-client warmup [extra flags]
  local socket=$1 clients=$2 requests=$3 warmup=$4
  shift 4
  timeout 300 "$OUT/acquire-load" --socket "$socket" --clients "$clients" --requests "$requests" \
    --warmup "$warmup" "$@"
}

note "machine: $(nproc) cores, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
record machine start echo "{\"loadavg\":$(cut -d' ' -f1 /proc/loadavg)}"

# --- one long-lived broker for the warm numbers ----------------------------------
start_broker "$WORK/warm"

note "1. warm acquire round trip: $ROUNDS rounds of $REQUESTS requests on one connection"
# This first acquire creates `shared`; its reply is what the echo floor replays.
load "$WORK/warm/broker.sock" 1 1 0 --save-reply "$WORK/reply.bin" >/dev/null || fail "first acquire failed"
setpriv --pdeathsig KILL "$OUT/echo-floor" --socket "$WORK/echo.sock" --reply "$WORK/reply.bin" >"$WORK/echo.out" &
ECHO_PID=$!
OWNED_PIDS+=("$ECHO_PID")
for _ in $(seq 100); do grep -q ready "$WORK/echo.out" 2>/dev/null && break; sleep 0.05; done
grep -q ready "$WORK/echo.out" || fail "echo-floor did not start"
# Broker and floor alternate, so a noisy neighbour hits both sides alike.
for _ in $(seq "$ROUNDS"); do
  record warm broker load "$WORK/warm/broker.sock" 1 "$REQUESTS" 1000
  record warm floor load "$WORK/echo.sock" 1 "$REQUESTS" 1000
done

# The same exchange pinned with taskset, in two layouts: everything on CPU 0, and
# server on CPU 0 with the client on CPU 1. Server threads are pinned too (-a).
# cpu_ms is the server's own CPU time (utime + stime) over the round.
cpu_ms() { awk '{print ($14 + $15) * 10}' "/proc/$1/stat"; }
pinned() { # KIND SIDE SERVER_PID SOCKET CLIENT_CPU
  local before after
  before=$(cpu_ms "$3")
  record "$1" "$2" taskset -c "$5" "$OUT/acquire-load" --socket "$4" --clients 1 --requests "$REQUESTS" --warmup 1000
  after=$(cpu_ms "$3")
  printf '{"kind":"%s-cpu","side":"%s","result":{"cpu_ms":%s,"requests":%s}}\n' "$1" "$2" "$((after - before))" "$REQUESTS" >>"$RESULTS"
}
note "1b. warm acquire pinned: one CPU for all, then server and client on their own ($ROUNDS rounds each)"
taskset -a -p -c 0 "$BROKER_PID" >/dev/null
taskset -a -p -c 0 "$ECHO_PID" >/dev/null
for layout in 0 1; do
  for _ in $(seq "$ROUNDS"); do
    pinned "pinned-$layout" broker "$BROKER_PID" "$WORK/warm/broker.sock" "$layout"
    pinned "pinned-$layout" floor "$ECHO_PID" "$WORK/echo.sock" "$layout"
  done
done
taskset -a -p -c 0-$(($(nproc) - 1)) "$BROKER_PID" >/dev/null
taskset -a -p -c 0-$(($(nproc) - 1)) "$ECHO_PID" >/dev/null

note "3. acquires per second at 1, 10 and 100 connections ($ROUNDS rounds of $THROUGHPUT_REQUESTS requests)"
for clients in 1 10 100; do
  per_client=$((THROUGHPUT_REQUESTS / clients))
  for _ in $(seq "$ROUNDS"); do
    record "rate-$clients" broker load "$WORK/warm/broker.sock" "$clients" "$per_client" 20
    record "rate-$clients" floor load "$WORK/echo.sock" "$clients" "$per_client" 20
  done
done
stop_pid "$ECHO_PID"
stop_broker

note "4. broker memory with $PEERS peers holding shared (a fresh broker)"
start_broker "$WORK/memory"
sleep 1 # let start-up garbage settle before reading the idle size
record rss broker-idle echo "{\"rss_kb\":$(rss_kb "$BROKER_PID")}"
mkfifo "$WORK/hold.in"
timeout 300 "$OUT/hold-peers" --socket "$WORK/memory/broker.sock" --peers "$PEERS" <"$WORK/hold.in" >"$WORK/hold.out" &
HOLD_PID=$!
OWNED_PIDS+=("$HOLD_PID")
exec 8>"$WORK/hold.in" # holding the fifo open keeps the peers connected
for _ in $(seq 1200); do
  grep -q holding "$WORK/hold.out" 2>/dev/null && break
  kill -0 "$HOLD_PID" 2>/dev/null || break
  sleep 0.05
done
grep -q holding "$WORK/hold.out" || fail "hold-peers did not connect $PEERS peers"
sleep 1
references=$(node "$DAEMON/dist/cli/main.js" status --socket "$WORK/memory/broker.sock" --json |
  node -e 'const s = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const n = s.networks.find((x) => x.network.name === "shared");
    process.stdout.write(String(n ? n.references : 0))') # (console.log would colour it under nx)
[[ $references =~ ^[0-9]+$ ]] || fail "status --json gave no reference count for shared: $references"
record rss broker-peers echo "{\"rss_kb\":$(rss_kb "$BROKER_PID"),\"peers\":$PEERS,\"references\":$references}"
exec 8>&-
wait "$HOLD_PID" || true
stop_broker

note "2. cold creation of shared until a DHCP offer, $COLD_RUNS runs each, alternating"
for run in $(seq "$COLD_RUNS"); do
  start_broker "$WORK/cold$run"
  start_guest
  record cold broker timeout 60 "$OUT/cold-broker" --socket "$WORK/cold$run/broker.sock" \
    --guest-netns "/proc/$GUEST_PID/ns/net"
  stop_pid "$GUEST_PID"
  stop_broker
  record cold floor cold_floor_once "$WORK/floor$run"
done

cp "$RESULTS" "$OUT/last-run.jsonl"
node "$BENCH/summarize.mjs" "$RESULTS" | tee "$OUT/last-run.md"
