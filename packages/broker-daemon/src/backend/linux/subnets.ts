// SPDX-License-Identifier: Apache-2.0
/**
 * IPv4 subnets for networks. Dynamic subnets come from a pool of /24s,
 * 192.168.100.0/24 upward to 192.168.254.0/24 (libvirt's 192.168.122.0/24 is in it
 * and skipped when libvirt runs, like any other used range). A subnet is used when it
 * overlaps an address or a route (any table, default routes excepted) of the
 * namespace, or another network of this broker.
 */
import { formatIPv4, formatSubnet, maskFromPrefix, parseIPv4, prefixLength, type Subnet, subnetsOverlap } from "../../config/ipv4.js";
import { CreateFailure } from "../../core/backend.js";
import { linuxNative } from "./native.js";

export const POOL_FIRST = parseIPv4("192.168.100.0") ?? 0;
export const POOL_LAST = parseIPv4("192.168.254.0") ?? 0;

/** Something that occupies part of the IPv4 space, described for error messages. */
export interface Occupant {
  readonly subnet: Subnet;
  /** "route 192.168.1.0/24 dev eth0", "address 10.0.0.5/8 on eth1", "network 'lab' (vmbr-lab)". */
  readonly description: string;
}

/**
 * Addresses and routes (every table; the kernel's local and broadcast routes of an
 * address lie in its subnet and are left out) of the calling thread's network
 * namespace, read by the addon over rtnetlink: no child process. Routes come first, so that a
 * clash names the route as `ip route` shows it.
 */
export async function namespaceOccupants(): Promise<Occupant[]> {
  const { addresses, routes } = linuxNative().ipv4AddressesAndRoutes();
  const occupants: Occupant[] = [];
  for (const route of routes) {
    // Default routes are no subnet; local/broadcast routes of the loopback repeat
    // 127/8 and still occupy space.
    const network = parseIPv4(route.dst);
    if (network === undefined || route.prefix === 0 || route.prefix > 32) continue;
    const subnet: Subnet = { network: (network & maskFromPrefix(route.prefix)) >>> 0, prefix: route.prefix };
    const dev = route.ifname !== "" ? ` dev ${route.ifname}` : "";
    occupants.push({ subnet, description: `route ${formatSubnet(subnet)}${dev}` });
  }
  for (const address of addresses) {
    const local = parseIPv4(address.local);
    if (local === undefined || address.prefix === 0 || address.prefix > 32) continue;
    const subnet: Subnet = { network: (local & maskFromPrefix(address.prefix)) >>> 0, prefix: address.prefix };
    occupants.push({ subnet, description: `address ${address.local}/${address.prefix} on ${address.ifname}` });
  }
  return occupants;
}

/** The validated static subnet of a config, or undefined for a dynamic one. */
export function staticSubnet(networkName: string, subnet?: string, mask?: string): Subnet | undefined {
  if (subnet === undefined && mask === undefined) return undefined;
  const address = parseIPv4(subnet ?? "");
  const maskValue = parseIPv4(mask ?? "");
  const prefix = maskValue === undefined ? undefined : prefixLength(maskValue);
  if (address === undefined || prefix === undefined || prefix > 30 || prefix < 8) {
    throw new CreateFailure(
      `network '${networkName}': subnet ${subnet ?? "(none)"} mask ${mask ?? "(none)"} is not a usable IPv4 subnet (prefix /8 to /30)`,
    );
  }
  return { network: (address & maskFromPrefix(prefix)) >>> 0, prefix };
}

/** Throws CreateFailure naming the first occupant the subnet overlaps. */
export function checkStaticSubnet(networkName: string, subnet: Subnet, occupants: readonly Occupant[]): void {
  const clash = occupants.find((o) => subnetsOverlap(o.subnet, subnet));
  if (clash !== undefined) {
    throw new CreateFailure(`subnet ${formatSubnet(subnet)} of network '${networkName}' overlaps ${clash.description}`);
  }
}

/** The first free /24 of the pool; CreateFailure when all are used. */
export function pickDynamicSubnet(networkName: string, occupants: readonly Occupant[]): Subnet {
  for (let network = POOL_FIRST; network <= POOL_LAST; network += 256) {
    const candidate: Subnet = { network, prefix: 24 };
    if (!occupants.some((o) => subnetsOverlap(o.subnet, candidate))) return candidate;
  }
  throw new CreateFailure(
    `no free subnet for network '${networkName}' in the pool ${formatIPv4(POOL_FIRST)}/24 to ${formatIPv4(POOL_LAST)}/24`,
  );
}

/** Derived addresses of a subnet: gateway = first host, DHCP range = the rest. */
export interface SubnetPlan {
  readonly subnet: Subnet;
  readonly network: string;
  readonly mask: string;
  readonly gateway: string;
  readonly prefix: number;
  readonly dhcpFirst: string;
  readonly dhcpLast: string;
  /** Number of addresses in the DHCP range. */
  readonly dhcpCount: number;
  readonly broadcast: string;
}

export function planSubnet(subnet: Subnet): SubnetPlan {
  const size = 2 ** (32 - subnet.prefix);
  const broadcast = subnet.network + size - 1;
  return {
    subnet,
    network: formatIPv4(subnet.network),
    mask: formatIPv4(maskFromPrefix(subnet.prefix)),
    gateway: formatIPv4(subnet.network + 1),
    prefix: subnet.prefix,
    dhcpFirst: formatIPv4(subnet.network + 2),
    dhcpLast: formatIPv4(broadcast - 1),
    dhcpCount: Math.max(0, broadcast - 1 - (subnet.network + 2) + 1),
    broadcast: formatIPv4(broadcast),
  };
}
