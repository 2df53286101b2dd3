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
  /**
   * The switches a configuration file set explicitly (its field names: "mtu",
   * "nat44", ...). vmnet gets a setter call only for these; built-ins set none,
   * so they make exactly the calls the existing broker makes.
   */
  readonly explicitSettings?: ReadonlySet<ExplicitSetting>;
  /** Where this definition came from: a file path, or "built-in". */
  readonly source: string;
}
