// SPDX-License-Identifier: Apache-2.0
/**
 * Port forwarding (host port -> guest address and port) as rules of the
 * network's own table, so they appear and vanish with it:
 *
 * - `dstnat` (prerouting) and `dstnat_local` (output, for connections the host
 *   makes itself): a packet for any local address (`fib daddr type local`) and a
 *   forwarded port is DNATed to the guest.
 * - forward: the DNATed connection may enter the bridge (everything else from
 *   outside is rejected there).
 * - postrouting: a DNATed connection from a guest of this network back onto the
 *   bridge (hairpin) is masqueraded, or the target would answer the guest
 *   directly and the guest would drop the answer; so is a loopback source (a
 *   client of 127.0.0.1), which the guest could not answer at all.
 * - raw prerouting, before the notrack rules (nftables.ts): a guest's packet for
 *   the gateway's forwarded port, and the target's answers to the gateway
 *   (masqueraded or host-made connections), stay tracked: NAT needs conntrack.
 *   Packets for 127.0.0.0/8 (or from it) that arrive on the bridge are dropped:
 *   route_localnet, which a loopback source needs on the bridge, would otherwise
 *   let guests reach services the host binds to 127.0.0.1.
 */
import type { PortForwardingRule } from "../../config/network-config.js";
import { hostPort } from "../../config/port-forwarding.js";
import type { NftChain, NftRule } from "./native-surface.js";
import type { FirewallSpec } from "./nftables.js";

const PROTOCOL = { tcp: 6, udp: 17 } as const;
/** Hook priority of destination NAT, as nft names it (dstnat). */
const DSTNAT = -100;
const LOOPBACK = "127.0.0.0/8";

const isV6 = (rule: PortForwardingRule) => rule.internalAddress.includes(":");
const host = (rule: PortForwardingRule) => `${rule.internalAddress}/${isV6(rule) ? 128 : 32}`;

/** The forwards the table carries: shared mode only (config refuses the others). */
function forwardsOf(spec: FirewallSpec): readonly PortForwardingRule[] {
  if (spec.mode !== "shared") return [];
  return (spec.forwards ?? []).filter((rule) => !isV6(rule) || spec.ipv6 !== undefined);
}

/** True when the bridge needs route_localnet: an IPv4 forward takes 127.0.0.1's clients. */
export function needsRouteLocalnet(spec: FirewallSpec): boolean {
  return forwardsOf(spec).some((rule) => !isV6(rule));
}

/** The destination NAT chains; none without forwards. */
export function dnatChains(spec: FirewallSpec): NftChain[] {
  const forwards = forwardsOf(spec);
  if (forwards.length === 0) return [];
  const rules = forwards.map(
    (rule): NftRule => ({
      fibDaddrLocal: true,
      l4proto: PROTOCOL[rule.protocol],
      dport: rule.externalPort,
      counter: true,
      action: "dnat",
      toAddress: rule.internalAddress,
      toPort: rule.internalPort,
    }),
  );
  return [
    { name: "dstnat", type: "nat", hook: "prerouting", priority: DSTNAT, rules },
    { name: "dstnat_local", type: "nat", hook: "output", priority: DSTNAT, rules },
  ];
}

/** Forward chain: a forwarded connection may enter the bridge. */
export function forwardAccepts(spec: FirewallSpec): NftRule[] {
  return forwardsOf(spec).map((rule) => ({
    oifname: spec.bridge,
    daddr: host(rule),
    l4proto: PROTOCOL[rule.protocol],
    dport: rule.internalPort,
    dnatted: true,
    action: "accept",
  }));
}

/** Postrouting: hairpin and loopback sources, masqueraded to the gateway. */
export function forwardMasquerades(spec: FirewallSpec, v4: string): NftRule[] {
  const forwards = forwardsOf(spec);
  const rules: NftRule[] = [];
  if (forwards.some((rule) => !isV6(rule))) {
    rules.push(
      { oifname: spec.bridge, saddr: LOOPBACK, counter: true, action: "masquerade" },
      { oifname: spec.bridge, saddr: v4, dnatted: true, counter: true, action: "masquerade" },
    );
  }
  if (spec.ipv6 && forwards.some(isV6)) {
    rules.push({ oifname: spec.bridge, saddr: spec.ipv6.prefix, dnatted: true, counter: true, action: "masquerade" });
  }
  return rules;
}

/** Raw prerouting, ahead of the notrack rules: what forwarding needs tracked, and the loopback guard. */
export function forwardTrackedRules(spec: FirewallSpec): NftRule[] {
  const br = spec.bridge;
  const rules: NftRule[] = needsRouteLocalnet(spec)
    ? [
        { iifname: br, daddr: LOOPBACK, counter: true, action: "drop" },
        { iifname: br, saddr: LOOPBACK, counter: true, action: "drop" },
      ]
    : [];
  for (const rule of forwardsOf(spec)) {
    const gateway = isV6(rule) ? `${spec.ipv6?.gateway}/128` : `${spec.ipv4.gateway}/32`;
    const l4proto = PROTOCOL[rule.protocol];
    rules.push(
      { iifname: br, daddr: gateway, l4proto, dport: rule.externalPort, action: "accept" },
      { iifname: br, saddr: host(rule), daddr: gateway, l4proto, sport: rule.internalPort, action: "accept" },
    );
  }
  return rules;
}

/** "tcp port 8080" when two lists of forwards share a host port (either family), else undefined. */
export function forwardClash(mine: readonly PortForwardingRule[], theirs: readonly PortForwardingRule[]): string | undefined {
  const taken = new Set(theirs.map(hostPort));
  return mine.map(hostPort).find((port) => taken.has(port));
}
