#!/usr/bin/env bash
# The shell-script floor for cold network creation: the same steps the Linux
# backend takes for `shared` (bridge, nftables table, ip_forward, dnsmasq with the
# same keys, a veth into a guest namespace), done by hand, then one DHCP exchange
# from the guest. Prints one JSON line:
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
trap '{ kill -KILL ${GUEST_PID:-} ${DNSMASQ_PID:-}; wait; } 2>/dev/null || true; [ -n "$WORKDIR" ] || rm -rf "$DIR"' EXIT
BR=vmbr-shared
TABLE=vmnet_broker_shared
NET=192.168.100.0/24
GW=192.168.100.1

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

# --- 1. the network -------------------------------------------------------------
ip -batch - <<IP
link add $BR type bridge stp_state 0 forward_delay 0
link set $BR mtu 1500
addr add $GW/24 broadcast 192.168.100.255 dev $BR
link set $BR up
IP
nft -f - <<NFT
table inet $TABLE {
  chain forward {
    type filter hook forward priority filter; policy accept;
    iifname "$BR" oifname "$BR" accept
    iifname "$BR" ip saddr $NET accept
    oifname "$BR" ip daddr $NET ct state related,established accept
    iifname "$BR" counter reject
    oifname "$BR" counter reject
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    ip saddr $NET ip daddr 224.0.0.0/24 return
    ip saddr $NET ip daddr 255.255.255.255 return
    ip saddr $NET ip daddr != $NET meta l4proto { tcp, udp } counter masquerade to :1024-65535
    ip saddr $NET ip daddr != $NET counter masquerade
  }
}
NFT
echo 1 >/proc/sys/net/ipv4/ip_forward
cat >"$DIR/dnsmasq.conf" <<CONF
strict-order
pid-file=$DIR/dnsmasq.pid
except-interface=lo
bind-dynamic
no-ping
interface=$BR
dhcp-leasefile=$DIR/dnsmasq.leases
log-facility=$DIR/dnsmasq.log
dhcp-range=192.168.100.2,192.168.100.254,255.255.255.0,1h
dhcp-no-override
dhcp-authoritative
dhcp-lease-max=253
CONF
setpriv --pdeathsig TERM -- dnsmasq --keep-in-foreground --conf-file="$DIR/dnsmasq.conf" &
DNSMASQ_PID=$!
# Ready when the pid file names it (dnsmasq writes it after binding its sockets).
for _ in $(seq 2000); do
  [ "$(cat "$DIR/dnsmasq.pid" 2>/dev/null)" = "$DNSMASQ_PID" ] && break
  kill -0 $DNSMASQ_PID || { echo "create-shared-floor: dnsmasq exited" >&2; exit 1; }
  sleep 0.005
done
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
