// SPDX-License-Identifier: Apache-2.0
/** The network's bridge: created, addressed and brought up by the addon (rtnetlink, ioctl). */
import { writeFileSync } from "node:fs";
import type { Ipv6Plan } from "./ipv6.js";
import { linuxNative } from "./native.js";
import type { SubnetPlan } from "./subnets.js";

export interface BridgeSpec {
  readonly name: string;
  readonly mtu: number;
  readonly ipv4: SubnetPlan;
  readonly ipv6?: Ipv6Plan;
  /**
   * False on an overlay host that does not serve the segment: the bridge is a
   * plain switch without addresses (the gateway's are on the serving host).
   */
  readonly addressed?: boolean;
}

/**
 * Creates the bridge (STP off, no forward delay, so ports forward at once), sets
 * its MTU and addresses, and brings it up, all through the addon's rtnetlink calls
 * (an `ip` child process would cost the broker a fork of Node). On failure the
 * half-made bridge is removed and the error rethrown.
 */
export function createBridge(spec: BridgeSpec): void {
  const native = linuxNative();
  try {
    native.createBridge(spec.name, spec.mtu);
    const addressed = spec.addressed ?? true;
    if (spec.ipv6 === undefined || !addressed) disableIpv6(spec.name);
    if (addressed) native.addAddress(spec.name, spec.ipv4.gateway, spec.ipv4.prefix, spec.ipv4.broadcast);
    if (spec.ipv6 !== undefined && addressed) native.addAddress(spec.name, spec.ipv6.gateway, spec.ipv6.length, "");
    native.setUp(spec.name);
  } catch (error) {
    deleteLink(spec.name);
    throw error;
  }
}

/**
 * A network without an IPv6 prefix gets no IPv6 on its bridge: no link-local
 * address, no fe80::/64 and ff00::/8 routes. Every dnsmasq of the namespace hears
 * every route change, and with 200 networks these two made each new bridge cost
 * 15-16 ms instead of 2-4 ms. Guests still reach each other over IPv6 link-local
 * (the bridge forwards frames, whatever their protocol). Also used for ports that
 * need no address of their own (an overlay's VXLAN device). Synchronous: the file
 * belongs to the calling thread's namespace. No file means no IPv6 in the kernel.
 */
export function disableIpv6(ifname: string): void {
  try {
    writeFileSync(`/proc/sys/net/ipv6/conf/${ifname}/disable_ipv6`, "1\n");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

/** RTM_DELLINK from the addon; a link that is already gone is fine. Never throws. */
export function deleteLink(name: string): void {
  try {
    linuxNative().deleteLink(name);
  } catch {
    // Gone already (a TAP dies with its fds), or never created.
  }
}

/** Names of every link in the namespace (one rtnetlink dump). */
export function listLinks(): string[] {
  return linuxNative()
    .listLinks()
    .map((link) => link.name);
}

/** A link's kind and bridge, from the addon's rtnetlink dump. */
export interface LinkFacts {
  readonly kind: string;
  /** The bridge it is a port of, if any. */
  readonly master: string | undefined;
}

/** Every link of the namespace with its kind and master, in one dump. */
export function linkFacts(): Map<string, LinkFacts> {
  const facts = new Map<string, LinkFacts>();
  for (const link of linuxNative().listLinks()) facts.set(link.name, { kind: link.kind, master: link.master || undefined });
  return facts;
}
