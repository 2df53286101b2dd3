/**
 * One nftables table per network, `inet vmnet_broker_<short>`. Why one table per
 * network rather than chains in a shared table: a network's rules appear and vanish
 * atomically with `nft -f` / `delete table`, networks never edit each other's
 * rules, and leftovers are found by the table-name prefix alone.
 *
 * Caveat (as for libvirt): an accept here does not override a drop in another
 * table on the same hook; a host firewall with a dropping forward policy (Docker)
 * still blocks shared-mode traffic.
 */
import type { NetworkModeName } from "../../config/network-config.js";
import type { Ipv6Plan } from "./ipv6.js";
import { TABLE_PREFIX } from "./names.js";
import { runTool, ToolError } from "./run-tool.js";
import type { SubnetPlan } from "./subnets.js";

export interface FirewallSpec {
  readonly table: string;
  readonly bridge: string;
  readonly mode: NetworkModeName;
  readonly ipv4: SubnetPlan;
  readonly ipv6?: Ipv6Plan;
}

/**
 * Raw-priority chains that mark traffic staying on the bridge (guest to gateway,
 * gateway to guest, and bridged guest to guest when br_netfilter is on) as
 * untracked: connection tracking, turned on in the namespace by the NAT hook, never
 * sees it. Flows leaving the subnet keep their state, which masquerade needs; their
 * replies arrive on the uplink, not on the bridge.
 */
function untracked(br: string, spec: FirewallSpec): string[] {
  const local4 = `{ ${spec.ipv4.network}/${spec.ipv4.prefix}, 224.0.0.0/24, 255.255.255.255 }`;
  const local6 = spec.ipv6 === undefined ? undefined : `{ ${spec.ipv6.prefix}, fe80::/10, ff02::/16 }`;
  const chain = (name: string, hook: string, dir: string): string[] => [
    `  chain ${name} {`,
    `    type filter hook ${hook} priority raw; policy accept;`,
    `    ${dir} ${br} ip daddr ${local4} notrack`,
    ...(local6 === undefined ? [] : [`    ${dir} ${br} ip6 daddr ${local6} notrack`]),
    "  }",
  ];
  return [...chain("prerouting", "prerouting", "iifname"), ...chain("output", "output", "oifname")];
}

/** The ruleset text for `nft -f -`. Exported for unit tests. */
export function firewallRuleset(spec: FirewallSpec): string {
  const br = `"${spec.bridge}"`;
  const v4 = `${spec.ipv4.network}/${spec.ipv4.prefix}`;
  const forward: string[] = [
    // Guest to guest through the bridge (seen here only with br_netfilter).
    `iifname ${br} oifname ${br} accept`,
  ];
  if (spec.mode === "shared") {
    forward.push(`iifname ${br} ip saddr ${v4} accept`, `oifname ${br} ip daddr ${v4} ct state related,established accept`);
    if (spec.ipv6 !== undefined) {
      forward.push(
        `iifname ${br} ip6 saddr ${spec.ipv6.prefix} accept`,
        `oifname ${br} ip6 daddr ${spec.ipv6.prefix} ct state related,established accept`,
      );
    }
  }
  // Everything else forwarded from or to the bridge is refused.
  forward.push(`iifname ${br} counter reject`, `oifname ${br} counter reject`);

  const lines = [
    `table inet ${spec.table} {`,
    "  chain forward {",
    "    type filter hook forward priority filter; policy accept;",
    ...forward.map((rule) => `    ${rule}`),
    "  }",
  ];
  if (spec.mode === "shared") {
    lines.push(
      "  chain postrouting {",
      "    type nat hook postrouting priority srcnat; policy accept;",
      `    ip saddr ${v4} ip daddr 224.0.0.0/24 return`,
      `    ip saddr ${v4} ip daddr 255.255.255.255 return`,
      `    ip saddr ${v4} ip daddr != ${v4} meta l4proto { tcp, udp } counter masquerade to :1024-65535`,
      `    ip saddr ${v4} ip daddr != ${v4} counter masquerade`,
      "  }",
    );
  }
  lines.push(...untracked(br, spec), "}");
  return `${lines.join("\n")}\n`;
}

/**
 * Loads the table atomically. `create table` makes the load fail when a stale table
 * of that name exists (never the case after reclaimLeftovers, unless a delete
 * failed); only then is it replaced by a load that deletes it in the same
 * transaction, which costs the kernel several milliseconds more.
 */
export async function applyFirewall(spec: FirewallSpec): Promise<void> {
  const ruleset = firewallRuleset(spec);
  try {
    await runTool("nft", ["-f", "-"], { input: `create table inet ${spec.table}\n${ruleset}` });
  } catch (error) {
    if (!(error instanceof ToolError) || !error.stderr.includes("File exists")) throw error;
    const replacing = `add table inet ${spec.table}\ndelete table inet ${spec.table}\n${ruleset}`;
    await runTool("nft", ["-f", "-"], { input: replacing });
  }
}

/** Deletes the table; a missing table is fine. Never throws. */
export async function deleteFirewall(table: string): Promise<void> {
  try {
    await runTool("nft", ["delete", "table", "inet", table]);
  } catch {
    // Already gone.
  }
}

/** Names of the inet tables with our prefix. */
export async function listOurTables(): Promise<string[]> {
  const text = await runTool("nft", ["-j", "list", "tables"]);
  const parsed = JSON.parse(text || "{}") as { nftables?: { table?: { family?: string; name?: string } }[] };
  return (parsed.nftables ?? []).flatMap((entry) => {
    const table = entry.table;
    if (table?.family !== "inet" || table.name === undefined || !table.name.startsWith(TABLE_PREFIX)) return [];
    return [table.name];
  });
}
