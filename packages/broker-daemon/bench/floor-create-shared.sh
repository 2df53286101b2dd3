#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The shell-script floor for cold creation of `shared`: exactly the network the
# Linux backend makes (bridge, nftables table, ip_forward, dnsmasq with the same
# keys: bind-interfaces, so after the bridge), done by hand in the CURRENT network
# namespace. Returns once dnsmasq has
# bound its sockets (in daemon mode its parent exits only after start-up worked).
#
#   floor-create-shared.sh WORKDIR
#
# Safety: it refuses to run unless the namespace is fresh (only `lo`), so it can
# never touch a real host's network. Run it inside `unshare --net --pid ...`; the
# namespace's end removes everything, dnsmasq included (pid namespace).
set -euo pipefail
DIR=${1:?usage: floor-create-shared.sh WORKDIR}
others=$(ip -o link show | awk -F': ' '$2 != "lo" {print $2}')
if [ -n "$others" ]; then
  echo "floor-create-shared: refusing to run in a namespace with interfaces other than lo: $others" >&2
  exit 1
fi
mkdir -p "$DIR"
BR=vmbr-shared
TABLE=vmnet_broker_shared
NET=192.168.100.0/24

ip -batch - <<IP
link add $BR type bridge stp_state 0 forward_delay 0
link set $BR mtu 1500
addr add 192.168.100.1/24 broadcast 192.168.100.255 dev $BR
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
  chain input {
    type filter hook input priority filter; policy accept;
    iifname != { "$BR", "lo" } ip daddr 192.168.100.1 meta l4proto { tcp, udp } th dport 53 drop
  }
  chain prerouting {
    type filter hook prerouting priority raw; policy accept;
    iifname "$BR" ip daddr { $NET, 224.0.0.0/24, 255.255.255.255 } notrack
  }
  chain output {
    type filter hook output priority raw; policy accept;
    oifname "$BR" ip daddr { $NET, 224.0.0.0/24, 255.255.255.255 } notrack
  }
}
NFT
echo 1 >/proc/sys/net/ipv4/ip_forward
cat >"$DIR/dnsmasq.conf" <<CONF
strict-order
pid-file=$DIR/dnsmasq.pid
except-interface=lo
bind-interfaces
no-ping
interface=$BR
dhcp-leasefile=$DIR/dnsmasq.leases
log-facility=$DIR/dnsmasq.log
dhcp-range=192.168.100.2,192.168.100.254,255.255.255.0,1h
dhcp-no-override
dhcp-authoritative
dhcp-lease-max=253
CONF
dnsmasq --conf-file="$DIR/dnsmasq.conf"
echo "bridge=$BR dnsmasq=$(cat "$DIR/dnsmasq.pid")"
