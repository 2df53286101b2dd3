// SPDX-License-Identifier: Apache-2.0
/** IPv6 addresses as 128-bit bigints: parsing and RFC 5952 formatting. */

/** Parses "fd12:3456::1" (no zone, no embedded IPv4), or undefined. */
export function parseIPv6(text: string): bigint | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const parse = (part: string | undefined) => (part === undefined || part === "" ? [] : part.split(":"));
  const head = parse(halves[0]);
  const tail = parse(halves[1]);
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  let value = 0n;
  for (const group of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    value = (value << 16n) | BigInt(Number.parseInt(group, 16));
  }
  return value;
}

/** RFC 5952 text: lower case, the longest run of two or more zero groups as "::". */
export function formatIPv6(value: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((value >> BigInt(i * 16)) & 0xffffn).toString(16));
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === "0") length++;
    if (length > bestLength) {
      bestStart = start;
      bestLength = length;
    }
  }
  if (bestStart < 0) return groups.join(":");
  const head = groups.slice(0, bestStart).join(":");
  const tail = groups.slice(bestStart + bestLength).join(":");
  return `${head}::${tail}`;
}

/** An IPv6 prefix: its network address and length. */
export interface Ipv6Subnet {
  readonly network: bigint;
  readonly length: number;
}

/** Parses "fd12:3456::/64" (host bits cleared), or undefined. */
export function parseIPv6Prefix(cidr: string): Ipv6Subnet | undefined {
  const [address, length, extra] = cidr.split("/");
  const value = parseIPv6(address ?? "");
  const bits = Number(length);
  if (value === undefined || extra !== undefined || !/^\d{1,3}$/.test(length ?? "") || bits > 128) return undefined;
  const hostBits = BigInt(128 - bits);
  return { network: (value >> hostBits) << hostBits, length: bits };
}

export function ipv6SubnetContains(subnet: Ipv6Subnet, address: bigint): boolean {
  const hostBits = BigInt(128 - subnet.length);
  return address >> hostBits === subnet.network >> hostBits;
}
