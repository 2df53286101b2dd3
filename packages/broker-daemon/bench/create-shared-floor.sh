#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Cold creation of `shared` by shell alone, standalone: floor-create-shared.sh (the
# network, as the Linux backend makes it), a veth into a guest namespace, then one
# DHCP exchange from the guest. (run.sh uses floor-create-shared.sh through its own
# wrapper; this script is for trying the floor by hand.) Prints one JSON line:
#   {"ms": <create + DHCP>, "create_ms": <until dnsmasq's pid file>, "dhcp_ms": <veth + offer>}
#
#   bash bench/create-shared-floor.sh [--probe PROG] [--workdir DIR]
#
# --probe PROG: a DHCP probe run as `PROG --ifname eth0 --netns PATH` that exits 0
# on an offer (bench/out/dhcp-probe). Default: busybox udhcpc in the guest.
# Everything happens in a private network + pid namespace made for this run (the
# script re-executes itself under unshare, like the broker's sandbox), so the
# namespace and every object in it vanish when it exits. Needs root.
set -euo pipefail

PROBE=""
WORKDIR=""
while [ $# -gt 0 ]; do
  case $1 in
    --probe) PROBE=$2; shift 2 ;;
    --workdir) WORKDIR=$2; shift 2 ;;
    *) echo "create-shared-floor: unknown argument $1" >&2; exit 2 ;;
  esac
done

if [ "${VMNET_BROKER_FLOOR_SANDBOXED:-}" != 1 ]; then
  [ "$(id -u)" = 0 ] || { echo "create-shared-floor: run as root" >&2; exit 1; }
  export VMNET_BROKER_FLOOR_SANDBOXED=1
  args=()
  [ -n "$PROBE" ] && args+=(--probe "$PROBE")
  [ -n "$WORKDIR" ] && args+=(--workdir "$WORKDIR")
  exec unshare --net --pid --fork --kill-child --mount-proc -- bash "$0" "${args[@]}"
fi

# --- inside the private namespaces (untimed set-up) ---------------------------
ip link set lo up
DIR=${WORKDIR:-$(mktemp -d /tmp/vmnet-broker-floor.XXXXXX)}
mkdir -p "$DIR"
trap '{ kill -KILL ${GUEST_PID:-}; wait; } 2>/dev/null || true; [ -n "$WORKDIR" ] || rm -rf "$DIR"' EXIT

BR=vmbr-shared
# The guest: a namespace held by a sleeping process of this pid namespace.
unshare --net sleep 600 &
GUEST_PID=$!
for _ in $(seq 200); do
  [ "$(readlink /proc/$GUEST_PID/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break
  sleep 0.01
done
GUEST_NS=/proc/$GUEST_PID/ns/net

now_ns() { date +%s%N; }
t0=$(now_ns)

# --- 1. the network: the floor script ------------------------------------------
bash "$(dirname "$0")/floor-create-shared.sh" "$DIR/net" >/dev/null
t1=$(now_ns)

# --- 2. a guest on it, and one DHCP exchange --------------------------------------
ip link add vmveth-floor mtu 1500 type veth peer name eth0 mtu 1500 netns "$GUEST_NS"
ip link set vmveth-floor master $BR up
nsenter --net="$GUEST_NS" ip link set eth0 up
if [ -n "$PROBE" ]; then
  "$PROBE" --ifname eth0 --netns "$GUEST_NS" >/dev/null
else
  nsenter --net="$GUEST_NS" busybox udhcpc -i eth0 -n -q -f -t 20 -T 1 -s /bin/true >/dev/null 2>&1
fi
t2=$(now_ns)

awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN {
  printf "{\"ms\":%.3f,\"create_ms\":%.3f,\"dhcp_ms\":%.3f}\n", (c - a) / 1e6, (b - a) / 1e6, (c - b) / 1e6 }'
