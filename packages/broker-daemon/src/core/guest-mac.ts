// SPDX-License-Identifier: Apache-2.0
/**
 * The MAC for the guest behind a TAP: locally administered and unicast, and unique
 * among the network's interfaces and DHCP leases, so that VMs started from one
 * command line never share QEMU's default 52:54:00:12:34:56.
 */
import { randomBytes } from "node:crypto";

export function randomLocalMac(): string {
  const bytes = randomBytes(6);
  // Bit 1 of the first byte: locally administered; bit 0 clear: unicast.
  bytes[0] = ((bytes[0] ?? 0) & 0xfc) | 0x02;
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(":");
}

/** A fresh MAC not in `taken` (lower case, colon separated). */
export function pickGuestMac(taken: ReadonlySet<string>, random: () => string = randomLocalMac): string {
  for (;;) {
    const mac = random();
    if (!taken.has(mac)) return mac;
  }
}
