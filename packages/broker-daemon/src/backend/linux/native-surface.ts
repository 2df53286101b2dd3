// SPDX-License-Identifier: Apache-2.0
import type { AccountsNative } from "../../config/accounts-native.js";

/**
 * The typed surface of the daemon's native addon (native/src). Every function
 * validates its arguments (TypeError with a usage string) and names the failing
 * syscall in its errors ("TUNSETIFF failed: EPERM (Operation not permitted)"),
 * with `code` (the errno name) and `syscall` set on the Error.
 */
export interface TapRequest {
  /** Interface name, at most 15 bytes; "%d" templates are completed by the kernel. */
  readonly name: string;
  /** IFF_VNET_HDR: frames carry a virtio-net header (QEMU vhost/virtio). */
  readonly vnetHeader: boolean;
  /** 1..256; more than 1 sets IFF_MULTI_QUEUE and returns one fd per queue. */
  readonly queues: number;
  readonly ownerUid: number;
  readonly ownerGid: number;
  /**
   * TUNSETPERSIST: the device outlives its fds (a TAP VMMs open by name, as
   * ownerUid/ownerGid only); removing it is then the caller's job (RTM_DELLINK).
   */
  readonly persistent: boolean;
}

export interface OpenedTap {
  /** The device's final name. */
  readonly name: string;
  /** One O_CLOEXEC fd per queue; unless persistent, the device vanishes when the last one closes. */
  readonly fds: number[];
}

/** One IPv4 address of an interface, as `ip -4 addr` shows it. */
export interface Ipv4AddressEntry {
  readonly ifname: string;
  readonly local: string;
  readonly prefix: number;
}

/** One IPv4 route of any table; `ifname` is "" when it names no single device. */
export interface Ipv4RouteEntry {
  readonly dst: string;
  readonly prefix: number;
  readonly ifname: string;
  readonly table: number;
}

/** Descriptor `from` is to be number `to` in an executed program. */
export interface FdPlacement {
  readonly from: number;
  readonly to: number;
}

/** A network namespace as netnsInfo sees it. */
export interface NetnsInfo {
  /** st_dev and st_ino of the namespace: equal pairs are the same namespace. */
  readonly dev: number;
  readonly inode: number;
  /**
   * The uid owning its user namespace (NS_GET_USERNS, NS_GET_OWNER_UID), as the
   * caller's user namespace sees it; null when that user namespace lies outside
   * the caller's (EPERM).
   */
  readonly ownerUid: number | null;
}

/**
 * One nftables rule (nft_rules.cc): every match given must hold, then the counter,
 * then the action. Prefixes are "10.0.0.0/24" or "fd00::/64"; saddr and daddr of
 * one family, which the rule then also matches (meta nfproto).
 */
export interface NftRule {
  readonly iifname?: string;
  /** iifname is none of these. */
  readonly notIifnames?: readonly string[];
  readonly oifname?: string;
  readonly saddr?: string;
  readonly daddr?: string;
  /** daddr outside the prefix; excludes daddr. */
  readonly notDaddr?: string;
  /** meta l4proto (IPPROTO_*). */
  readonly l4proto?: number;
  /** Transport destination port; needs l4proto. */
  readonly dport?: number;
  /** Transport source port; needs l4proto. */
  readonly sport?: number;
  /** fib daddr type local: addressed to this namespace. */
  readonly fibDaddrLocal?: boolean;
  /** ct state related,established. */
  readonly established?: boolean;
  /** ct status dnat: a connection whose destination was rewritten. */
  readonly dnatted?: boolean;
  readonly counter?: boolean;
  readonly action: "accept" | "drop" | "return" | "reject" | "notrack" | "masquerade" | "dnat";
  /** masquerade to :portMin-portMax. */
  readonly portMin?: number;
  readonly portMax?: number;
  /** dnat to toAddress:toPort (needs l4proto tcp or udp); the rule matches its family. */
  readonly toAddress?: string;
  readonly toPort?: number;
}

/** A base chain with policy accept. */
export interface NftChain {
  readonly name: string;
  readonly type: "filter" | "nat";
  readonly hook: "prerouting" | "input" | "forward" | "output" | "postrouting";
  readonly priority: number;
  readonly rules: readonly NftRule[];
}

/** Functions present on every OS. */
export interface CommonNative extends AccountsNative {
  /** close(2); never retried on EINTR. */
  closeFd(fd: number): void;
  /**
   * A memory-reducing GC (V8's LowMemoryNotification), then malloc_trim(0) on
   * glibc: gives back the high-water memory a burst of peers left. Costs a full
   * GC: call it rarely, off the hot path.
   */
  releaseFreedMemory(): void;
  /**
   * Replaces the current process with `file` (searched in PATH) keeping the pid.
   * `args` is the whole argv, args[0] included; `env` replaces the environment
   * (undefined values are dropped). Stdio stays open, SIGPIPE and the signal mask
   * are reset to defaults. `fds` puts descriptor `from` at number `to` (3 or
   * above, distinct) without close-on-exec, whatever used that number before.
   * Only returns by throwing ("execvp unshare failed: ENOENT ..."), and then
   * every number is as it was.
   */
  exec(file: string, args: readonly string[], env: Record<string, string | undefined>, fds?: ReadonlyArray<FdPlacement>): never;
}

/** Linux-only functions (native/src/linux). */
export interface LinuxNative extends CommonNative {
  /** Opens /dev/net/tun per queue and attaches it (TUNSETIFF, TUNSETOWNER, TUNSETGROUP); not persistent. */
  openTap(request: TapRequest): OpenedTap;
  /** SIOCBRADDIF: makes `ifname` a port of `bridge`. */
  addToBridge(bridge: string, ifname: string): void;
  /** SIOCSIFFLAGS with IFF_UP added. */
  setUp(ifname: string): void;
  /** SIOCSIFMTU. */
  setMtu(ifname: string, mtu: number): void;
  /** SIOCGIFMTU. */
  mtuOf(ifname: string): number;
  /**
   * RTM_NEWLINK: a VXLAN device `name` over `underlay` (IFLA_VXLAN_LINK) from
   * `local` (IPv4 or IPv6, which also picks the underlay's family), learning on,
   * no default remote, with `mtu`, down.
   */
  createVxlan(request: { name: string; vni: number; port: number; underlay: string; local: string; mtu: number }): void;
  /**
   * RTM_NEWNEIGH (AF_BRIDGE, NTF_SELF, NLM_F_APPEND): the all-zeros FDB entry of
   * VXLAN device `ifname` towards `dst`, one more destination for broadcast,
   * unknown unicast and multicast frames.
   */
  fdbAppend(ifname: string, dst: string): void;
  /** SIOCGIFHWADDR as "aa:bb:cc:dd:ee:ff". */
  macAddress(ifname: string): string;
  /** SIOCGIFINDEX in the calling thread's namespace; 0 when absent. */
  interfaceIndex(ifname: string): number;
  /** RTM_NEWLINK: a bridge with STP off and forward delay 0, with `mtu`, down. */
  createBridge(name: string, mtu: number): void;
  /**
   * RTM_NEWADDR: `address/prefix` on `ifname`; IPv4 with `broadcast` (or none when
   * ""), IPv6 without duplicate address detection.
   */
  addAddress(ifname: string, address: string, prefix: number, broadcast: string): void;
  /**
   * RTM_NEWLINK: a veth pair `name` (this namespace) and `peerName`, created inside
   * the namespace behind `peerNetnsFd` with `peerMac`; both ends get `mtu`, both
   * stay down.
   */
  createVeth(request: { name: string; mtu: number; peerName: string; peerMac: string; peerNetnsFd: number }): void;
  /**
   * rtnetlink dumps of the calling thread's namespace: IPv4 addresses, and routes of
   * every table but the kernel's local and broadcast routes of those addresses.
   */
  ipv4AddressesAndRoutes(): { addresses: Ipv4AddressEntry[]; routes: Ipv4RouteEntry[] };
  /**
   * SIOCSIFFLAGS with IFF_UP added, inside the namespace behind `netnsFd`. A helper
   * thread enters that namespace; the caller's threads never leave their own.
   */
  setUpInNetns(netnsFd: number, ifname: string): void;
  /**
   * Calls onDeleted(ifname, ifindex) for every link deleted from the calling
   * thread's namespace from now on (RTM_DELLINK, RTNLGRP_LINK, polled by libuv on
   * the main loop; it never keeps the process alive). onDeleted("", 0) means the
   * kernel dropped notifications (ENOBUFS): check every link of interest. Returns
   * the function that stops watching. onDeleted must not throw.
   */
  watchLinks(onDeleted: (ifname: string, ifindex: number) => void): () => void;
  /**
   * What the namespace behind `fd` is: null unless the fd is a network namespace
   * (fstatfs on nsfs, then NS_GET_NSTYPE; no other file gets an ioctl).
   */
  netnsInfo(fd: number): NetnsInfo | null;
  /**
   * Takes the process's rtnetlink sockets out of the address and route multicast
   * groups (IPv6 addresses kept when asked); returns how many sockets it changed.
   * Needs ptrace rights over the process (pidfd_getfd).
   */
  muteRouteEvents(pid: number, keepIpv6Addresses: boolean): number;
  /**
   * A UDP socket of the calling thread's namespace is bound to exactly ipv4:port, by
   * one sock_diag look-up; false also when the kernel has no udp_diag.
   */
  udpBound(ipv4: string, port: number): boolean;
  /** Every link of the calling thread's namespace (one RTM_GETLINK dump); master is its bridge's name or "". */
  listLinks(): { name: string; index: number; kind: string; master: string }[];
  /** RTM_DELLINK (ENODEV when absent). */
  deleteLink(ifname: string): void;
  /**
   * Creates inet table `table` with `chains` in one nfnetlink batch (NLM_F_EXCL:
   * EEXIST when it exists); with `replace`, a table of that name is deleted in the
   * same transaction first. Errors name the refused message
   * ("NFT_MSG_NEWRULE vmnet_broker_x forward #2 failed: EINVAL ...").
   */
  nftCreateTable(table: string, chains: readonly NftChain[], replace: boolean): void;
  /** Deletes inet table `table` (ENOENT when absent). */
  nftDeleteTable(table: string): void;
  /** Names of every inet table of the calling thread's namespace (one dump). */
  nftListTables(): string[];
  /**
   * unshare(CLONE_NEWNET) for the calling thread: a fresh empty namespace (tests).
   * Throws unless the namespace really changed; returns its inode number.
   */
  enterNewNetns(): number;
  /** setns(fd, CLONE_NEWNET) for the calling thread (tests: return to where they started). */
  enterNetns(fd: number): void;
}
