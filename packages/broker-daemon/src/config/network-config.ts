// SPDX-License-Identifier: Apache-2.0
/** A validated network definition: built-in or from /etc/vmnet-broker.d/*.json. */
export type NetworkModeName = "shared" | "host";

/** Settings whose defaults vmnet already has: called only when a file sets them. */
export const EXPLICIT_SETTINGS = ["mtu", "nat44", "nat66", "dhcp", "dns", "router_advertisement"] as const;
export type ExplicitSetting = (typeof EXPLICIT_SETTINGS)[number];

export interface DhcpReservation {
  /** Hardware address, lower case, colon separated. */
  readonly mac: string;
  /** IPv4 address inside the network's subnet. */
  readonly ip: string;
  /**
   * The user whose VMs get this MAC as their guest MAC (an interface's guest_mac,
   * `vmnet-broker run`'s {mac}), so the user's VM keeps its address; absent: any VM
   * that brings the MAC itself.
   */
  readonly uid?: number;
}

export interface PortForwardingRule {
  readonly protocol: "tcp" | "udp";
  readonly externalPort: number;
  readonly internalAddress: string;
  readonly internalPort: number;
}

/** One network across several hosts: a kernel VXLAN device on the bridge (Linux). */
export interface OverlayConfig {
  /** VXLAN network identifier, 1..16777215. */
  readonly vni: number;
  /** The interface that carries the overlay (a LAN port, or a WireGuard interface). */
  readonly underlay: string;
  /** This host's underlay address; absent: the underlay's first IPv4 address. */
  readonly local?: string;
  /** UDP port of every host of the segment (4789 unless set). */
  readonly port: number;
  /** The other hosts' underlay addresses, one family, no duplicates. */
  readonly peers: readonly string[];
  /** True on the one host that holds the gateway and serves DHCP/DNS for the segment. */
  readonly servesDhcp: boolean;
}

export interface NetworkConfig {
  readonly name: string;
  readonly description: string;
  readonly mode: NetworkModeName;
  /** Static IPv4 network address and mask; both absent means a dynamic subnet. */
  readonly subnet?: string;
  readonly mask?: string;
  /** IPv6 prefix in CIDR notation ("fd12:3456::/64"); absent means no IPv6 on Linux. */
  readonly ipv6Prefix?: string;
  readonly mtu: number;
  readonly dhcp: boolean;
  readonly dns: boolean;
  readonly dhcpReservations: readonly DhcpReservation[];
  /** Access control: absent means everyone who can reach the socket. */
  readonly allowedUids?: ReadonlySet<number>;
  readonly allowedGids?: ReadonlySet<number>;
  /** vmnet-only knobs (macOS); the Linux backend ignores them. */
  readonly nat44: boolean;
  readonly nat66: boolean;
  readonly routerAdvertisement: boolean;
  readonly externalInterface?: string;
  readonly portForwarding: readonly PortForwardingRule[];
  /** Linux: the bridge also reaches other hosts over VXLAN. */
  readonly overlay?: OverlayConfig;
  /**
   * The switches a configuration file set explicitly (its field names: "mtu",
   * "nat44", ...). vmnet gets a setter call only for these; built-ins set none,
   * so they make exactly the calls the existing broker makes.
   */
  readonly explicitSettings?: ReadonlySet<ExplicitSetting>;
  /** Where this definition came from: a file path, or "built-in". */
  readonly source: string;
}
