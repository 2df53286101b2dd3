// SPDX-License-Identifier: Apache-2.0
import type { NetworkConfig } from "./network-config.js";
import type { Overlap } from "./overlaps.js";

/**
 * Networks whose overlay uses the VNI, UDP port and underlay of an earlier one's
 * (in the given order). The kernel takes only one such VXLAN device, so the later
 * network could never be created: it is reported and dropped here, naming both files.
 */
export function findOverlayClashes(networks: readonly NetworkConfig[]): Overlap[] {
  const kept = new Map<string, NetworkConfig>();
  const clashes: Overlap[] = [];
  for (const config of networks) {
    const o = config.overlay;
    if (o === undefined) continue;
    const key = `${o.vni}/${o.port}/${o.underlay}`;
    const first = kept.get(key);
    if (first === undefined) {
      kept.set(key, config);
      continue;
    }
    clashes.push({
      kept: first,
      dropped: config,
      message: `${config.source}: overlay VNI ${o.vni} on port ${o.port} over '${o.underlay}' of '${config.name}' is already used by '${first.name}' (${first.source}); '${config.name}' is not offered`,
    });
  }
  return clashes;
}
