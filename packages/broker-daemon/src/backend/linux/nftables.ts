// SPDX-License-Identifier: Apache-2.0
/**
 * One nftables table per network, `inet vmnet_broker_<short>`. Why one table per
 * network rather than chains in a shared table: a network's rules appear and vanish
 * atomically, networks never edit each other's rules, and leftovers are found by
 * the table-name prefix alone.
 *
 * The table is made in one nfnetlink batch by the addon (nft_table.cc), which
 * touches only this table: `nft -f` reads the whole ruleset first (62 ms with 200
 * networks, against 5.6 ms with none), and is a child process.
 *
 * Caveat (as for libvirt): an accept here does not override a drop in another
 * table on the same hook; a host firewall with a dropping forward policy (Docker)
 * still blocks shared-mode traffic.
 */
import type { NetworkModeName, PortForwardingRule } from "../../config/network-config.js";
import { dnatChains, forwardAccepts, forwardMasquerades, forwardTrackedRules } from "./forward-rules.js";
import type { Ipv6Plan } from "./ipv6.js";
import { TABLE_PREFIX } from "./names.js";
import { linuxNative } from "./native.js";
import type { NftChain, NftRule } from "./native-surface.js";
import type { SubnetPlan } from "./subnets.js";

export interface FirewallSpec {
  readonly table: string;
  readonly bridge: string;
  readonly mode: NetworkModeName;
  readonly ipv4: SubnetPlan;
  readonly ipv6?: Ipv6Plan;
  /** Port forwards (shared mode): forward-rules.ts. */
  readonly forwards?: readonly PortForwardingRule[];
}

const TCP = 6;
const UDP = 17;
/** Hook priorities, as nft names them. */
const RAW = -300;
const FILTER = 0;
const SRCNAT = 100;

function forwardRules(spec: FirewallSpec, v4: string): NftRule[] {
  const br = spec.bridge;
  // Guest to guest through the bridge (seen here only with br_netfilter).
  const rules: NftRule[] = [{ iifname: br, oifname: br, action: "accept" }];
  if (spec.mode === "shared") {
    const prefixes = [v4, ...(spec.ipv6 ? [spec.ipv6.prefix] : [])];
    for (const prefix of prefixes) {
      rules.push({ iifname: br, saddr: prefix, action: "accept" }, { oifname: br, daddr: prefix, established: true, action: "accept" });
    }
    rules.push(...forwardAccepts(spec));
  }
  // Everything else forwarded from or to the bridge is refused.
  rules.push({ iifname: br, counter: true, action: "reject" }, { oifname: br, counter: true, action: "reject" });
  return rules;
}

function natRules(spec: FirewallSpec, v4: string): NftRule[] {
  return [
    ...forwardMasquerades(spec, v4),
    { saddr: v4, daddr: "224.0.0.0/24", action: "return" },
    { saddr: v4, daddr: "255.255.255.255/32", action: "return" },
    ...[TCP, UDP].map(
      (l4proto): NftRule => ({
        saddr: v4,
        notDaddr: v4,
        l4proto,
        counter: true,
        action: "masquerade",
        portMin: 1024,
        portMax: 65535,
      }),
    ),
    { saddr: v4, notDaddr: v4, counter: true, action: "masquerade" },
  ];
}

/**
 * Traffic that stays on the bridge (guest to gateway, gateway to guest, and
 * bridged guest to guest when br_netfilter is on) is marked untracked: connection
 * tracking, turned on in the namespace by the NAT hook, never sees it. Flows
 * leaving the subnet keep their state, which masquerade needs; their replies
 * arrive on the uplink, not on the bridge.
 */
function untrackedRules(spec: FirewallSpec, v4: string, direction: "iifname" | "oifname"): NftRule[] {
  const local = [v4, "224.0.0.0/24", "255.255.255.255/32"];
  if (spec.ipv6) local.push(spec.ipv6.prefix, "fe80::/10", "ff02::/16");
  return local.map((daddr) => ({ [direction]: spec.bridge, daddr, action: "notrack" }));
}

/**
 * dnsmasq binds the gateway's addresses (bind-interfaces), and the kernel delivers
 * a packet for a local address whatever interface it came in on: DNS for the
 * gateway from anywhere but the bridge (or this namespace itself, over lo) is
 * dropped, as bind-dynamic's own check did (CVE-2012-3411). DHCP needs nothing:
 * dnsmasq binds its port 67 socket to the bridge (SO_BINDTODEVICE).
 */
function dnsGuardRules(spec: FirewallSpec): NftRule[] {
  const gateways = [`${spec.ipv4.gateway}/32`, ...(spec.ipv6 ? [`${spec.ipv6.gateway}/128`] : [])];
  return gateways.flatMap((daddr) =>
    [TCP, UDP].map((l4proto): NftRule => ({ notIifnames: [spec.bridge, "lo"], daddr, l4proto, dport: 53, action: "drop" })),
  );
}

/** The table's chains and rules. Exported for unit tests. */
export function firewallChains(spec: FirewallSpec): NftChain[] {
  const v4 = `${spec.ipv4.network}/${spec.ipv4.prefix}`;
  const chains: NftChain[] = [{ name: "forward", type: "filter", hook: "forward", priority: FILTER, rules: forwardRules(spec, v4) }];
  if (spec.mode === "shared")
    chains.push({ name: "postrouting", type: "nat", hook: "postrouting", priority: SRCNAT, rules: natRules(spec, v4) });
  chains.push(
    { name: "input", type: "filter", hook: "input", priority: FILTER, rules: dnsGuardRules(spec) },
    {
      name: "prerouting",
      type: "filter",
      hook: "prerouting",
      priority: RAW,
      rules: [...forwardTrackedRules(spec), ...untrackedRules(spec, v4, "iifname")],
    },
    { name: "output", type: "filter", hook: "output", priority: RAW, rules: untrackedRules(spec, v4, "oifname") },
    ...dnatChains(spec),
  );
  return chains;
}

/**
 * Loads the table atomically. It is created exclusively, which fails when a stale
 * table of that name exists (never the case after reclaimLeftovers, unless a
 * delete failed); only then is it replaced whole in one transaction.
 */
export function applyFirewall(spec: FirewallSpec): void {
  const chains = firewallChains(spec);
  try {
    linuxNative().nftCreateTable(spec.table, chains, false);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    linuxNative().nftCreateTable(spec.table, chains, true);
  }
}

/** Deletes the table; a missing table is fine. Never throws. */
export function deleteFirewall(table: string): void {
  try {
    linuxNative().nftDeleteTable(table);
  } catch {
    // Already gone.
  }
}

/** Names of the inet tables with our prefix. */
export function listOurTables(): string[] {
  return linuxNative()
    .nftListTables()
    .filter((name) => name.startsWith(TABLE_PREFIX));
}
