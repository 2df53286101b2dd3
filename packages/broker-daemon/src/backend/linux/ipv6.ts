// SPDX-License-Identifier: Apache-2.0
/** The little IPv6 arithmetic the bridge needs: the prefix's first host address. */
import { CreateFailure } from "../../core/backend.js";

function parseGroups(text: string): bigint | undefined {
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
function formatGroups(value: bigint): string {
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

export interface Ipv6Plan {
  /** The prefix, normalised: "fd12:3456::/64". */
  readonly prefix: string;
  /** Bridge address: the first host of the prefix, with its length. */
  readonly gatewayCidr: string;
  readonly gateway: string;
  readonly length: number;
}

/** Parses "fd12:3456::/64"; CreateFailure naming the network when it is not usable. */
export function planIpv6(networkName: string, cidr: string): Ipv6Plan {
  const [addr, len] = cidr.split("/");
  const value = parseGroups(addr ?? "");
  const length = Number(len);
  if (value === undefined || !Number.isInteger(length) || length < 8 || length > 126) {
    throw new CreateFailure(`network '${networkName}': ipv6Prefix ${cidr} is not an IPv6 prefix /8 to /126`);
  }
  const hostBits = BigInt(128 - length);
  const network = (value >> hostBits) << hostBits;
  const gateway = formatGroups(network + 1n);
  return { prefix: `${formatGroups(network)}/${length}`, gatewayCidr: `${gateway}/${length}`, gateway, length };
}
