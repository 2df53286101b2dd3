/** The network's bridge: created, addressed and brought up by the addon (rtnetlink, ioctl). */
import type { Ipv6Plan } from "./ipv6.js";
import { linuxNative } from "./native.js";
import { runTool } from "./run-tool.js";
import type { SubnetPlan } from "./subnets.js";

export interface BridgeSpec {
  readonly name: string;
  readonly mtu: number;
  readonly ipv4: SubnetPlan;
  readonly ipv6?: Ipv6Plan;
}

/**
 * Creates the bridge (STP off, no forward delay, so ports forward at once), sets
 * its MTU and addresses, and brings it up, all through the addon's rtnetlink calls
 * (an `ip` child process would cost the broker a fork of Node). On failure the
 * half-made bridge is removed and the error rethrown.
 */
export async function createBridge(spec: BridgeSpec): Promise<void> {
  const native = linuxNative();
  try {
    native.createBridge(spec.name, spec.mtu);
    native.addAddress(spec.name, spec.ipv4.gateway, spec.ipv4.prefix, spec.ipv4.broadcast);
    if (spec.ipv6 !== undefined) native.addAddress(spec.name, spec.ipv6.gateway, spec.ipv6.length, "");
    native.setUp(spec.name);
  } catch (error) {
    await deleteLink(spec.name);
    throw error;
  }
}

/** `ip link del`; a link that is already gone is fine. Never throws. */
export async function deleteLink(name: string): Promise<void> {
  try {
    await runTool("ip", ["link", "del", "dev", name]);
  } catch {
    // Gone already (a TAP dies with its fds), or never created.
  }
}

/** Names of every link in the namespace (`ip -j link show`). */
export async function listLinks(): Promise<string[]> {
  const text = await runTool("ip", ["-j", "link", "show"]);
  const links = JSON.parse(text || "[]") as { ifname?: string }[];
  return links.flatMap((link) => (link.ifname === undefined ? [] : [link.ifname]));
}

/** A link as `ip -j -d link show` reports it. */
export interface LinkFacts {
  readonly kind: string;
  /** The bridge it is a port of, if any. */
  readonly master: string | undefined;
}

/** Every link of the namespace with its kind and master, in one `ip` call. */
export async function linkFacts(): Promise<Map<string, LinkFacts>> {
  const text = await runTool("ip", ["-j", "-d", "link", "show"]);
  const links = JSON.parse(text || "[]") as { ifname?: string; master?: string; linkinfo?: { info_kind?: string } }[];
  const facts = new Map<string, LinkFacts>();
  for (const link of links) {
    if (link.ifname !== undefined) facts.set(link.ifname, { kind: link.linkinfo?.info_kind ?? "", master: link.master });
  }
  return facts;
}
