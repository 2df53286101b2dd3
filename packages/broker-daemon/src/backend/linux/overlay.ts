// SPDX-License-Identifier: Apache-2.0
/**
 * The VXLAN device of a network that spans hosts (config `overlay`): made over
 * rtnetlink by the addon, a port of the network's bridge, with one all-zeros FDB
 * entry per peer so that broadcast, unknown unicast and multicast frames reach
 * every other host (unicast is then learnt). Never a tunnel of our own: the
 * kernel carries every frame.
 */
import { isIPv6 } from "node:net";
import type { OverlayConfig } from "../../config/network-config.js";
import { CreateFailure } from "../../core/backend.js";
import { deleteLink, disableIpv6 } from "./bridge.js";
import { vxlanName } from "./names.js";
import { linuxNative } from "./native.js";

/** Outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8; an IPv6 header is 20 bytes more. */
export const VXLAN_OVERHEAD_IPV4 = 50;
export const VXLAN_OVERHEAD_IPV6 = 70;

/** An overlay as this host runs it: addresses resolved, MTU worked out. */
export interface OverlayPlan {
  readonly device: string;
  readonly config: OverlayConfig;
  readonly local: string;
  /** The MTU of the bridge, its ports and the guests. */
  readonly mtu: number;
}

/**
 * Resolves this host's underlay address (the underlay's first IPv4 address unless
 * the file names one) and the MTU: the underlay's minus the encapsulation, or the
 * file's own `mtu` when it fits. Errors say what to fix.
 */
export function planOverlay(network: string, overlay: OverlayConfig, explicitMtu: number | undefined): OverlayPlan {
  const native = linuxNative();
  const where = `network '${network}': overlay underlay '${overlay.underlay}'`;
  if (native.interfaceIndex(overlay.underlay) === 0) throw new CreateFailure(`${where} does not exist on this host`);
  let local = overlay.local;
  if (local === undefined) {
    local = native.ipv4AddressesAndRoutes().addresses.find((a) => a.ifname === overlay.underlay)?.local;
    if (local === undefined)
      throw new CreateFailure(`${where} has no IPv4 address: give it one, or name this host's address in overlay.local`);
  }
  const overhead = isIPv6(local) ? VXLAN_OVERHEAD_IPV6 : VXLAN_OVERHEAD_IPV4;
  const fits = native.mtuOf(overlay.underlay) - overhead;
  if (explicitMtu !== undefined && explicitMtu > fits) {
    throw new CreateFailure(
      `network '${network}': mtu ${explicitMtu} does not fit the overlay: underlay '${overlay.underlay}' carries at most ${fits} after ${overhead} bytes of VXLAN encapsulation`,
    );
  }
  const mtu = explicitMtu ?? fits;
  if (mtu < 576) throw new CreateFailure(`${where} leaves an MTU of ${mtu}, below 576 (IPv4's minimum datagram)`);
  return { device: vxlanName(network), config: overlay, local, mtu };
}

/** The VXLAN device, its peers, on the bridge and up; on failure nothing is left. */
export function createOverlayDevice(bridge: string, plan: OverlayPlan): void {
  const native = linuxNative();
  const { device, config } = plan;
  try {
    native.createVxlan({ name: device, vni: config.vni, port: config.port, underlay: config.underlay, local: plan.local, mtu: plan.mtu });
    // A bridge port needs no addresses: no link-local, no DAD or MLD sent to the peers.
    disableIpv6(device);
    for (const peer of config.peers) native.fdbAppend(device, peer);
    native.addToBridge(bridge, device);
    native.setUp(device);
  } catch (error) {
    deleteLink(device);
    throw error;
  }
}
