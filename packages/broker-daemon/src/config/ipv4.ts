// SPDX-License-Identifier: Apache-2.0
/** IPv4 addresses as unsigned 32-bit numbers: parsing, formatting, masks. */

const QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses a dotted quad, or returns undefined when it is not one. */
export function parseIPv4(text: string): number | undefined {
  const m = QUAD.exec(text);
  if (!m) return undefined;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const part = Number(m[i]);
    if (part > 255 || (m[i]!.length > 1 && m[i]!.startsWith("0"))) return undefined;
    value = value * 256 + part;
  }
  return value;
}

export function formatIPv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join(".");
}

/** The prefix length of a contiguous netmask, or undefined when it is not contiguous. */
export function prefixLength(mask: number): number | undefined {
  const inverted = ~mask >>> 0;
  if ((inverted & (inverted + 1)) !== 0) return undefined;
  return 32 - Math.log2(inverted + 1);
}

export function maskFromPrefix(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/**
 * The network address a configured `subnet` names: the network address itself, or
 * the host's (gateway) address on it, the first usable one, as the existing
 * broker's README writes it ("192.168.42.1" with mask 255.255.255.0). vmnet takes
 * only that gateway, so no other host address is accepted. Undefined otherwise.
 */
export function networkAddressOf(address: number, mask: number): number | undefined {
  const network = (address & mask) >>> 0;
  return address === network || address === network + 1 ? network : undefined;
}

/** An IPv4 subnet: network address and prefix length. */
export interface Subnet {
  readonly network: number;
  readonly prefix: number;
}

export function subnetContains(subnet: Subnet, address: number): boolean {
  const mask = maskFromPrefix(subnet.prefix);
  return (address & mask) >>> 0 === subnet.network;
}

export function subnetsOverlap(a: Subnet, b: Subnet): boolean {
  const shorter = a.prefix <= b.prefix ? a : b;
  const other = shorter === a ? b : a;
  return subnetContains(shorter, other.network);
}

export function formatSubnet(subnet: Subnet): string {
  return `${formatIPv4(subnet.network)}/${subnet.prefix}`;
}
