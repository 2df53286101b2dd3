// SPDX-License-Identifier: Apache-2.0
import { formatSubnet, parseIPv4, prefixLength, type Subnet, subnetsOverlap } from "./ipv4.js";
import type { NetworkConfig } from "./network-config.js";

/** Two networks whose static subnets overlap: the later one cannot be offered. */
export interface Overlap {
  readonly kept: NetworkConfig;
  readonly dropped: NetworkConfig;
  readonly message: string;
}

/**
 * Finds networks whose static subnets overlap an earlier one's (in the given
 * order). Both could never be live at once, so the later is reported and dropped
 * here instead of failing whichever is acquired second.
 */
export function findOverlaps(networks: readonly NetworkConfig[]): Overlap[] {
  const kept: Array<{ config: NetworkConfig; subnet: Subnet }> = [];
  const overlaps: Overlap[] = [];
  for (const config of networks) {
    const subnet = staticSubnet(config);
    if (!subnet) continue;
    const clash = kept.find((k) => subnetsOverlap(k.subnet, subnet));
    if (clash) {
      overlaps.push({
        kept: clash.config,
        dropped: config,
        message: `${config.source}: subnet ${formatSubnet(subnet)} of '${config.name}' overlaps ${formatSubnet(clash.subnet)} of '${clash.config.name}' (${clash.config.source}); '${config.name}' is not offered`,
      });
    } else kept.push({ config, subnet });
  }
  return overlaps;
}

function staticSubnet(config: NetworkConfig): Subnet | undefined {
  const network = config.subnet === undefined ? undefined : parseIPv4(config.subnet);
  const mask = config.mask === undefined ? undefined : parseIPv4(config.mask);
  const prefix = mask === undefined ? undefined : prefixLength(mask);
  return network === undefined || prefix === undefined ? undefined : { network, prefix };
}
