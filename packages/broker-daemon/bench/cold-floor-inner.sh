#!/usr/bin/env bash
# Runs inside the shell floor's own private network + pid namespace (made by
# lib.sh's cold_floor_once, before the timing starts). Times, on the monotonic
# clock, what the broker's cold measurement times:
#   the floor script (bridge, nftables table, dnsmasq: the network),
#   a veth pair into the guest namespace (fd 7), enslaved and up, as the broker's
#   open_interface does it,
#   the same DHCP probe as cold-broker, until a DHCPOFFER arrives.
# Prints one JSON object with the same fields as cold-broker.
#   cold-floor-inner.sh FLOOR_SCRIPT WORKDIR BENCH_OUT
set -euo pipefail
floor_script=$1 dir=$2 out=$3
guest=/proc/self/fd/7 # opened by whoever runs a command below: each inherits fd 7
ip link set lo up

t0=$("$out/monotonic")
bash "$floor_script" "$dir" >"$dir/floor.out"
t1=$("$out/monotonic")
# The network's bridge is the only bridge in this fresh namespace.
# (/sys shows the host's interfaces here, so ask ip.)
read -r bridge mtu < <(ip -o link show type bridge |
  awk 'NR == 1 {for (i = 1; i < NF; i++) if ($i == "mtu") print substr($2, 1, length($2) - 1), $(i + 1)}')
[ -n "${bridge:-}" ] || { echo "the floor script made no bridge" >&2; exit 1; }
ip link add vmveth-floor mtu "$mtu" type veth peer name eth0 mtu "$mtu" netns "$guest"
ip link set dev vmveth-floor master "$bridge" up
nsenter --net="$guest" -- ip link set dev eth0 up
t2=$("$out/monotonic")
probe=$("$out/dhcp-probe" --ifname eth0 --netns "$guest" --timeout-ms 20000)
field() { # NAME: a number or dotted quad from the probe's JSON line
  [[ $probe =~ \"$1\":\"?([0-9.]+) ]] || { echo "dhcp-probe printed no $1: $probe" >&2; exit 1; }
  echo "${BASH_REMATCH[1]}"
}
start_ns=$(field start_ns)
end_ns=$(field end_ns)
offered=$(field offered)
ms() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", (b - a) / 1e6}'; }
printf '{"total_ms":%s,"network_ms":%s,"attach_ms":%s,"dhcp_ms":%s,"offered":"%s"}\n' \
  "$(ms "$t0" "$end_ns")" "$(ms "$t0" "$t1")" "$(ms "$t1" "$t2")" "$(ms "$start_ns" "$end_ns")" "$offered"
