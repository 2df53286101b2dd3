#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `make start`: runs the broker in a sandbox (a private network namespace made for
# this run) and shows it serving a real network: two guest namespaces attach to
# `shared` through the broker, get DHCP leases from its dnsmasq and ping each other;
# `status` shows the network, both peers and both leases. Everything is removed at
# the end: the guests, the clients, and the broker with its whole namespace.
set -euo pipefail
daemon=$(cd "$(dirname "$0")/.." && pwd)
cli=(node "$daemon/dist/vmnet-broker.mjs")
work=$(mktemp -d /tmp/vmnet-broker-demo.XXXXXX)
socket=$work/broker.sock
broker="" guests=() clients=()

cleanup() {
  # Clients first, and wait for them: the broker refuses to stop while peers are
  # connected (it would cut their networks).
  for pid in "${clients[@]}" "${guests[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${clients[@]}" "${guests[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$broker" ]; then
    kill -TERM "$broker" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$broker" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$broker" 2>/dev/null || true
  fi
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
in_guest() { local pid=$1; shift; nsenter --net="/proc/$pid/ns/net" "$@"; }

if [ "$(id -u)" != 0 ]; then
  echo "The demo attaches guest namespaces through veth pairs, which needs root."
  echo "Without root, run the rootless sandbox alone: ${cli[*]} serve"
  echo "and, from another shell, ${cli[*]} acquire shared; ${cli[*]} status"
  echo "(they find its socket in \$XDG_RUNTIME_DIR/vmnet-broker; see docs/sandbox.md for its limits)."
  exit 1
fi

step "Starting the broker in a private network namespace (sandbox)"
"${cli[@]}" serve --socket "$socket" --config-dir "$work/conf" --runtime-dir "$work/run" \
  --idle-delay-ms 5000 2> >(sed -u 's/^/  broker | /' >&2) &
broker=$!
for _ in $(seq 100); do [ -S "$socket" ] && break; sleep 0.1; done
[ -S "$socket" ] || { echo "the broker did not start" >&2; exit 1; }

addresses=()
for n in 1 2; do
  step "Guest $n: a network namespace attached to 'shared' by a client"
  unshare --net sleep infinity &
  guests+=($!)
  guest=$!
  until [ "$(readlink "/proc/$guest/ns/net")" != "$(readlink /proc/self/ns/net)" ]; do sleep 0.05; done
  out=$work/client$n.out
  "${cli[@]}" acquire --socket "$socket" --veth-into "/proc/$guest/ns/net" shared >"$out" 2>&1 &
  clients+=($!)
  for _ in $(seq 100); do grep -q '^holding' "$out" && break; sleep 0.1; done
  sed 's/^/  client | /' "$out"
  grep -q '^holding' "$out" || { echo "the client could not attach the guest" >&2; exit 1; }
  in_guest "$guest" ip link set lo up
  in_guest "$guest" busybox udhcpc -i eth0 -n -q -t 10 -T 1 -x "hostname:guest$n" \
    -s "$daemon/demo/udhcpc.script" 2>&1 | sed 's/^/  dhcp   | /'
  address=$(in_guest "$guest" ip -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1)
  [ -n "$address" ] || { echo "guest $n got no DHCP lease" >&2; exit 1; }
  echo "  guest $n has $address"
  addresses+=("$address")
done

step "Guest 1 pings guest 2 across the broker's bridge"
in_guest "${guests[0]}" ping -c 3 -W 2 "${addresses[1]}"

step "vmnet-broker status"
"${cli[@]}" status --socket "$socket"

step "Done: stopping the clients, then the broker (its namespace goes with it)"
