#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs inside the shell floor's own private network + pid namespace (made by
# lib.sh's cold_floor_once, before the timing starts). Times what the broker's cold
# measurement times:
#   the floor script (bridge, nftables table, dnsmasq: the network),
#   a veth pair into the guest namespace (fd 7), enslaved and up, through the
#   broker's own path: veth-floor.mjs makes the same calls to the daemon's addon
#   (rtnetlink, ioctls) as open_interface; it is started and has loaded the addon
#   before the clock starts, and is told the bridge by a line on its stdin
#   (BENCH_FLOOR_VETH=ip: forked `ip` commands instead, as the backend once ran),
#   the same DHCP probe as cold-broker, until a DHCPOFFER arrives.
# The timed path spawns nothing but those steps: the clock is bash's $EPOCHREALTIME,
# and the probe reports its own end on the same clock.
# Prints one JSON object with the same fields as cold-broker.
#   cold-floor-inner.sh FLOOR_SCRIPT WORKDIR BENCH_OUT
set -euo pipefail
export LC_ALL=C # $EPOCHREALTIME with a '.'
floor_script=$1 dir=$2 out=$3
guest=/proc/self/fd/7 # opened by whoever runs a command below: each inherits fd 7
mtu=1500              # shared's MTU, in the broker's built-in config and in the floor script
ip link set lo up
veth_way=${BENCH_FLOOR_VETH:-addon}
if [ "$veth_way" = addon ]; then
  coproc VETH { exec node "${BASH_SOURCE[0]%/*}/veth-floor.mjs" 7 "$mtu"; }
  read -r -t 30 ready <&"${VETH[0]}" || true
  [ "${ready:-}" = ready ] || { echo "veth-floor.mjs did not start: ${ready:-nothing}" >&2; exit 1; }
fi

t0=${EPOCHREALTIME/./} # microseconds; no subshell, no process
bash "$floor_script" "$dir" >"$dir/floor.out"
t1=${EPOCHREALTIME/./}
floor_said=""
read -r floor_said <"$dir/floor.out" || true
[[ $floor_said =~ bridge=([A-Za-z0-9_.-]+) ]] || { echo "the floor script named no bridge: $floor_said" >&2; exit 1; }
bridge=${BASH_REMATCH[1]}
if [ "$veth_way" = addon ]; then
  printf '%s\n' "$bridge" >&"${VETH[1]}"
  read -r -t 30 answer <&"${VETH[0]}" || true
else
  ip link add vmveth-floor mtu "$mtu" type veth peer name eth0 mtu "$mtu" netns "$guest"
  ip link set dev vmveth-floor master "$bridge" up
  nsenter --net="$guest" -- ip link set dev eth0 up
  answer=ok
fi
t2=${EPOCHREALTIME/./}
[ "${answer:-}" = ok ] || { echo "veth-floor.mjs: ${answer:-no answer}" >&2; exit 1; }
probe=$("$out/dhcp-probe" --ifname eth0 --netns "$guest" --timeout-ms 20000)

field() { # NAME: a number or dotted quad from the probe's JSON line
  [[ $probe =~ \"$1\":\"?([0-9.]+) ]] || { echo "dhcp-probe printed no $1: $probe" >&2; exit 1; }
  echo "${BASH_REMATCH[1]}"
}
start_us=$(field start_us)
end_us=$(field end_us)
offered=$(field offered)
ms() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", (b - a) / 1e3}'; }
printf '{"total_ms":%s,"network_ms":%s,"attach_ms":%s,"dhcp_ms":%s,"offered":"%s"}\n' \
  "$(ms "$t0" "$end_us")" "$(ms "$t0" "$t1")" "$(ms "$t1" "$t2")" "$(ms "$start_us" "$end_us")" "$offered"
