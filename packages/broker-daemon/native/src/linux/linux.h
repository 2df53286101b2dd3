// SPDX-License-Identifier: Apache-2.0
// Linux half of the addon: TAP devices, interface ioctls, network namespaces.
#pragma once

#include <napi.h>

#include <string>

namespace vmnet_broker {

// openTap({name, vnetHeader, queues, ownerUid, ownerGid, persistent}) -> {name, fds}
Napi::Value OpenTap(const Napi::CallbackInfo& info);

// addToBridge(bridge, ifname), setUp(ifname), setMtu(ifname, mtu),
// macAddress(ifname) -> "aa:bb:..", interfaceIndex(ifname) -> number (0 = absent)
Napi::Value AddToBridge(const Napi::CallbackInfo& info);
Napi::Value SetUp(const Napi::CallbackInfo& info);
Napi::Value SetMtu(const Napi::CallbackInfo& info);
// mtuOf(ifname) -> number (SIOCGIFMTU)
Napi::Value MtuOf(const Napi::CallbackInfo& info);
Napi::Value MacAddress(const Napi::CallbackInfo& info);
Napi::Value InterfaceIndex(const Napi::CallbackInfo& info);

// The index of ifname in the calling thread's namespace: 0 and *index set, or an
// errno (ENODEV when absent). Unlike glibc's if_nametoindex, which reports ENOENT
// whenever it cannot open its helper socket, a descriptor shortage reports EMFILE
// or ENFILE and names the socket call in *failed.
int IndexOfInterface(const std::string& ifname, unsigned* index, const char** failed);

// IndexOfInterface for a call that needs the interface: on failure throws the
// failing syscall with the interface's name and returns false.
bool IndexOfInterfaceOrThrow(Napi::Env env, const std::string& ifname, unsigned* index);

// setUpInNetns(netnsFd, ifname): SIOCSIFFLAGS up inside the namespace behind netnsFd,
// from a helper thread (the caller's namespace never changes).
Napi::Value SetUpInNetns(const Napi::CallbackInfo& info);

// ipv4AddressesAndRoutes() -> {addresses: [{ifname, local, prefix}],
// routes: [{dst, prefix, ifname, table}]}: rtnetlink dumps of the calling thread's
// namespace (routes of every table).
Napi::Value Ipv4AddressesAndRoutes(const Napi::CallbackInfo& info);

// createVeth({name, mtu, peerName, peerMac, peerNetnsFd}): a veth pair whose far end
// is created inside the namespace behind peerNetnsFd (one RTM_NEWLINK).
Napi::Value CreateVeth(const Napi::CallbackInfo& info);

// createBridge(name, mtu): a bridge with STP off and no forward delay, down.
// addAddress(ifname, address, prefix, broadcast): IPv4 (broadcast may be "") or
// IPv6 (without duplicate address detection).
Napi::Value CreateBridge(const Napi::CallbackInfo& info);
Napi::Value AddAddress(const Napi::CallbackInfo& info);

// createVxlan({name, vni, port, underlay, local, mtu}): a VXLAN device over
// `underlay` with learning on and no default remote, down. fdbAppend(ifname, dst):
// the all-zeros FDB entry towards dst (NLM_F_APPEND: one per peer), so broadcast,
// unknown unicast and multicast frames reach every peer.
Napi::Value CreateVxlan(const Napi::CallbackInfo& info);
Napi::Value FdbAppend(const Napi::CallbackInfo& info);

// watchLinks(onDeleted) -> stop(): calls onDeleted(ifname, ifindex) for every link
// deleted from the calling thread's namespace (RTM_DELLINK over rtnetlink, polled
// by libuv; the handle does not keep the loop alive). onDeleted("", 0) means the
// kernel dropped notifications: check every link of interest.
Napi::Value WatchLinks(const Napi::CallbackInfo& info);
// netnsInfo(fd) -> {dev, inode, ownerUid} for a network namespace fd (ownerUid
// null when the owning user namespace is outside the caller's), null for any other
// file.
Napi::Value NetnsInfo(const Napi::CallbackInfo& info);

// nftCreateTable(table, chains, replace): one inet table with its base chains and
// rules in one nfnetlink batch (replace: a stale table of that name is deleted in
// the same transaction). nftDeleteTable(table). nftListTables() -> inet table names.
Napi::Value NftCreateTable(const Napi::CallbackInfo& info);
Napi::Value NftDeleteTable(const Napi::CallbackInfo& info);
Napi::Value NftListTables(const Napi::CallbackInfo& info);

// listLinks() -> [{name, index, kind, master}] (one RTM_GETLINK dump; master is
// the name of the bridge a port belongs to, or ""). deleteLink(ifname): RTM_DELLINK.
Napi::Value ListLinks(const Napi::CallbackInfo& info);
Napi::Value DeleteLink(const Napi::CallbackInfo& info);

// muteRouteEvents(pid, keepIpv6Addresses) -> number of rtnetlink sockets of the
// process taken out of the address and route multicast groups (route_events.cc).
Napi::Value MuteRouteEvents(const Napi::CallbackInfo& info);

// udpBound(ipv4, port): a UDP socket of the calling thread's namespace is bound to
// exactly ipv4:port (one sock_diag look-up; false too when the kernel has no
// udp_diag).
Napi::Value UdpBound(const Napi::CallbackInfo& info);

// enterNewNetns(): moves the calling thread into a fresh network namespace.
Napi::Value EnterNewNetns(const Napi::CallbackInfo& info);

// enterNetns(fd): setns(fd, CLONE_NEWNET) for the calling thread.
Napi::Value EnterNetns(const Napi::CallbackInfo& info);

}  // namespace vmnet_broker
