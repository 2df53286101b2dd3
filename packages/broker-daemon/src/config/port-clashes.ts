// SPDX-License-Identifier: Apache-2.0
import type { NetworkConfig } from "./network-config.js";
import type { Overlap } from "./overlaps.js";
import { hostPort } from "./port-forwarding.js";

/**
 * Finds networks (in the given order) that forward a host port (protocol and
 * port, either address family) an earlier kept network forwards: the host has
 * one such port, so the later network is reported and dropped, as overlapping
 * subnets are, rather than one forward silently shadowing the other.
 */
export function findPortClashes(networks: readonly NetworkConfig[]): Overlap[] {
  const owners = new Map<string, NetworkConfig>();
  const clashes: Overlap[] = [];
  for (const config of networks) {
    const ports = new Set(config.portForwarding.map(hostPort));
    const taken = [...ports].find((port) => owners.has(port));
    const owner = taken === undefined ? undefined : owners.get(taken);
    if (taken !== undefined && owner !== undefined) {
      clashes.push({
        kept: owner,
        dropped: config,
        message: `${config.source}: field 'port_forwarding': ${taken} of '${config.name}' is forwarded by '${owner.name}' (${owner.source}) already; '${config.name}' is not offered`,
      });
      continue;
    }
    for (const port of ports) owners.set(port, config);
  }
  return clashes;
}
