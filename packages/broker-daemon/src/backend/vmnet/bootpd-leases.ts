// SPDX-License-Identifier: Apache-2.0
/**
 * macOS bootpd's lease file, /var/db/dhcpd_leases, which vmnet's DHCP server
 * writes: one block per client,
 *
 *   {
 *   	name=ubuntu
 *   	ip_address=192.168.64.2
 *   	hw_address=1,52:54:0:12:34:56
 *   	identifier=1,52:54:0:12:34:56
 *   	lease=0x6567a1b2
 *   }
 *
 * hw_address carries the hardware type first (1: Ethernet) and drops leading
 * zeros from octets; lease is the expiry in hex seconds since the epoch.
 */
import { readFile } from "node:fs/promises";
import type { LeaseInfo } from "../../core/backend.js";

export const BOOTPD_LEASE_FILE = "/var/db/dhcpd_leases";

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** One block's fields, by key (later keys win, as bootpd never repeats them). */
function blocks(text: string): Map<string, string>[] {
  const out: Map<string, string>[] = [];
  let current: Map<string, string> | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "{") current = new Map();
    else if (line === "}") {
      if (current !== undefined) out.push(current);
      current = undefined;
    } else if (current !== undefined) {
      const eq = line.indexOf("=");
      if (eq > 0) current.set(line.slice(0, eq), line.slice(eq + 1));
    }
  }
  return out;
}

/** "1,52:54:0:a:bc:d" -> "52:54:00:0a:bc:0d"; undefined for anything but Ethernet. */
export function normalizeHardwareAddress(value: string): string | undefined {
  const [type, address] = value.split(",", 2);
  if (type !== "1" || address === undefined) return undefined;
  const octets = address.split(":");
  if (octets.length !== 6 || !octets.every((o) => /^[0-9a-f]{1,2}$/i.test(o))) return undefined;
  return octets.map((o) => o.toLowerCase().padStart(2, "0")).join(":");
}

/** Every well-formed Ethernet lease, expired ones included (the caller decides). */
export function parseBootpdLeases(text: string): LeaseInfo[] {
  const leases: LeaseInfo[] = [];
  for (const block of blocks(text)) {
    const ip = block.get("ip_address") ?? "";
    const mac = normalizeHardwareAddress(block.get("hw_address") ?? "");
    const expiry = Number.parseInt(block.get("lease") ?? "", 16);
    if (!IPV4.test(ip) || mac === undefined || !Number.isFinite(expiry)) continue;
    leases.push({ mac, ip, hostname: block.get("name") ?? "", expiresUnix: expiry });
  }
  return leases;
}

/** Reads the lease file; a missing one (no guest ever took a lease) means none. */
export async function readBootpdLeases(path = BOOTPD_LEASE_FILE): Promise<LeaseInfo[]> {
  try {
    return parseBootpdLeases(await readFile(path, "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}
