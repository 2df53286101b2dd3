// SPDX-License-Identifier: Apache-2.0
/** The little IPv6 arithmetic the bridge needs: the prefix's first host address. */
import { formatIPv6, parseIPv6 } from "../../config/ipv6.js";
import { CreateFailure } from "../../core/backend.js";

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
  const value = parseIPv6(addr ?? "");
  const length = Number(len);
  if (value === undefined || !Number.isInteger(length) || length < 8 || length > 126) {
    throw new CreateFailure(`network '${networkName}': ipv6Prefix ${cidr} is not an IPv6 prefix /8 to /126`);
  }
  const hostBits = BigInt(128 - length);
  const network = (value >> hostBits) << hostBits;
  const gateway = formatIPv6(network + 1n);
  return { prefix: `${formatIPv6(network)}/${length}`, gatewayCidr: `${gateway}/${length}`, gateway, length };
}
