// SPDX-License-Identifier: Apache-2.0
/**
 * IPv6 addresses of a guest, from the host's neighbour table on the network's
 * bridge: the addresses the guest has used towards the host (its link-local one
 * from router solicitations, global ones once it talked to the host). SLAAC
 * leaves no lease, so this is all the broker can know.
 */
import { runTool } from "./run-tool.js";

interface NeighbourEntry {
  readonly dst?: unknown;
  readonly lladdr?: unknown;
  readonly state?: unknown;
}

/** Entries of `ip -j -6 neigh show` whose link-layer address is mac and that resolved. */
export function parseIpv6Neighbours(json: string, mac: string): string[] {
  let entries: unknown;
  try {
    entries = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(entries)) return [];
  const addresses = new Set<string>();
  for (const entry of entries as NeighbourEntry[]) {
    const states = Array.isArray(entry.state) ? entry.state : [];
    if (states.includes("FAILED") || states.includes("INCOMPLETE")) continue;
    if (typeof entry.dst === "string" && typeof entry.lladdr === "string" && entry.lladdr.toLowerCase() === mac) {
      addresses.add(entry.dst);
    }
  }
  return [...addresses];
}

/** The guest's IPv6 addresses on the bridge; none when the table cannot be read. */
export async function ipv6Neighbours(bridge: string, mac: string): Promise<string[]> {
  try {
    return parseIpv6Neighbours(await runTool("ip", ["-j", "-6", "neigh", "show", "dev", bridge]), mac);
  } catch {
    return [];
  }
}
