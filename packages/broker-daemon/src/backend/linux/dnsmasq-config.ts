// SPDX-License-Identifier: Apache-2.0
/**
 * The dnsmasq configuration of one network, with the keys libvirt uses except one:
 * bind-interfaces instead of bind-dynamic. bind-dynamic watches every address
 * change in the namespace, so each new network woke every existing dnsmasq to
 * rescan its interfaces (0.17-0.33 CPU-s across 200 of them per creation).
 * bind-interfaces binds the bridge's addresses once at start (the bridge exists
 * with them before dnsmasq starts) and never rescans. What bind-dynamic added
 * over it, refusing queries for the gateway that arrive on other interfaces
 * (CVE-2012-3411), is done by the network's nftables table (nftables.ts).
 */
import type { DhcpReservation, NetworkModeName } from "../../config/network-config.js";
import type { Ipv6Plan } from "./ipv6.js";
import type { SubnetPlan } from "./subnets.js";

export interface DnsmasqFiles {
  readonly conf: string;
  readonly pid: string;
  readonly leases: string;
  readonly log: string;
}

export interface DnsmasqSpec {
  readonly networkName: string;
  readonly bridge: string;
  readonly mode: NetworkModeName;
  readonly dhcp: boolean;
  readonly dns: boolean;
  readonly ipv4: SubnetPlan;
  readonly ipv6?: Ipv6Plan;
  readonly reservations: readonly DhcpReservation[];
  readonly files: DnsmasqFiles;
  /**
   * Keep the ids dnsmasq starts with instead of switching to its default user and
   * group: needed inside a user namespace where only uid 0 is mapped ("nobody" and
   * "dip" are unmapped there, and setgroups is denied).
   */
  readonly runAsRoot: boolean;
  /** Forward DNS queries to the resolvers of /etc/resolv.conf (shared mode, --host). */
  readonly upstreamDns: boolean;
  /** Tell DHCP clients this MTU (option 26): an overlay's, below the usual 1500. */
  readonly interfaceMtu?: number;
}

/** DHCP lease time; short enough that a moved guest recovers soon. */
export const LEASE_TIME = "1h";

/** True when dnsmasq has any work for this network. */
export function needsDnsmasq(spec: Pick<DnsmasqSpec, "dhcp" | "dns" | "ipv6">): boolean {
  return spec.dhcp || spec.dns || spec.ipv6 !== undefined;
}

export function dnsmasqConfig(spec: DnsmasqSpec): string {
  const lines = [
    `# Written by vmnet-broker for network '${spec.networkName}'; rewritten at every start.`,
    "strict-order",
    `pid-file=${spec.files.pid}`,
    "except-interface=lo",
    "bind-interfaces",
    // Unlike libvirt: no ICMP probe of an address before offering it. Every address
    // here is handed out by this dnsmasq, and the probe costs each new guest ~3 s.
    "no-ping",
    `interface=${spec.bridge}`,
    `dhcp-leasefile=${spec.files.leases}`,
    `log-facility=${spec.files.log}`,
  ];
  // Empty user and group: dnsmasq keeps its ids instead of switching (setgroups is
  // denied in a user namespace made by an unprivileged user).
  if (spec.runAsRoot) lines.push("user=", "group=");
  if (!spec.dns) lines.push("port=0");
  // No upstream resolvers for host-only networks, nor in the sandbox, which has no
  // uplink: dnsmasq then never sends a query out of the namespace.
  if (spec.mode === "host" || !spec.upstreamDns) lines.push("no-resolv");
  if (spec.dhcp) {
    lines.push(
      `dhcp-range=${spec.ipv4.dhcpFirst},${spec.ipv4.dhcpLast},${spec.ipv4.mask},${LEASE_TIME}`,
      "dhcp-no-override",
      "dhcp-authoritative",
      `dhcp-lease-max=${spec.ipv4.dhcpCount}`,
    );
    for (const reservation of spec.reservations) lines.push(`dhcp-host=${reservation.mac},${reservation.ip}`);
    // Host-only: no default route, so guests never send traffic beyond the bridge here.
    if (spec.mode === "host") lines.push("dhcp-option=3");
    if (spec.interfaceMtu !== undefined) lines.push(`dhcp-option=option:mtu,${spec.interfaceMtu}`);
  }
  if (spec.ipv6 !== undefined) {
    // Router advertisements for SLAAC on the prefix; host mode advertises no default route.
    const [network] = spec.ipv6.prefix.split("/");
    lines.push("enable-ra", `dhcp-range=${network},ra-stateless,${spec.ipv6.length}`);
    if (spec.mode === "host") lines.push(`ra-param=${spec.bridge},600,0`);
  }
  return `${lines.join("\n")}\n`;
}
