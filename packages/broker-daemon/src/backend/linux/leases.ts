// SPDX-License-Identifier: Apache-2.0
/** dnsmasq's lease file: "<expiry> <mac> <ip> <hostname|*> <client-id|*>" per line. */
import { readFile } from "node:fs/promises";
import type { LeaseInfo } from "../../core/backend.js";

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Parses IPv4 leases; IPv6 lines (the "duid" line, IAIDs instead of MACs) are skipped. */
export function parseLeases(text: string): LeaseInfo[] {
  const leases: LeaseInfo[] = [];
  for (const line of text.split("\n")) {
    const [expiry, mac, ip, hostname] = line.trim().split(/\s+/);
    if (expiry === undefined || mac === undefined || ip === undefined) continue;
    if (!MAC.test(mac) || !IPV4.test(ip)) continue;
    const expiresUnix = Number.parseInt(expiry, 10);
    if (!Number.isFinite(expiresUnix)) continue;
    leases.push({
      mac: mac.toLowerCase(),
      ip,
      hostname: hostname === undefined || hostname === "*" ? "" : hostname,
      expiresUnix,
    });
  }
  return leases;
}

/** Reads and parses a lease file; a missing file means no leases yet. */
export async function readLeases(path: string): Promise<LeaseInfo[]> {
  try {
    return parseLeases(await readFile(path, "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}
