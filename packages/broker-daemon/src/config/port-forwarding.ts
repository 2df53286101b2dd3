// SPDX-License-Identifier: Apache-2.0
/**
 * A network file's `port_forwarding` rules: host port -> guest address and port.
 * A target must be a guest's address on the network itself, which only a static
 * subnet (or the IPv6 prefix) makes knowable before the network exists.
 */
import { quote } from "./field-limits.js";
import { formatIPv4, formatSubnet, parseIPv4, type Subnet, subnetContains } from "./ipv4.js";
import { formatIPv6, ipv6SubnetContains, parseIPv6, parseIPv6Prefix } from "./ipv6.js";
import type { NetworkModeName, PortForwardingRule } from "./network-config.js";

const RULE_FIELDS = new Set(["protocol", "external_port", "internal_address", "internal_port"]);

export interface ForwardingContext {
  readonly mode: NetworkModeName;
  /** The static IPv4 subnet; absent for a dynamic one. */
  readonly subnet?: Subnet;
  /** The file's ipv6_prefix, as written. */
  readonly ipv6Prefix?: string;
}

/** "tcp port 8080": the host port a rule takes, in either family (one owner per host). */
export function hostPort(rule: PortForwardingRule): string {
  return `${rule.protocol} port ${rule.externalPort}`;
}

/** "tcp 8080/IPv4": what makes two rules of one network the same host port. */
export function forwardKey(rule: PortForwardingRule): string {
  return `${rule.protocol} ${rule.externalPort}/${rule.internalAddress.includes(":") ? "IPv6" : "IPv4"}`;
}

function isPort(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value > 0 && value < 65536;
}

/** The normalised target, or why it cannot be one. */
function checkTarget(text: string, context: ForwardingContext): { address: string } | { problem: string } {
  const v4 = parseIPv4(text);
  if (v4 !== undefined) {
    const subnet = context.subnet as Subnet;
    if (!subnetContains(subnet, v4)) return { problem: `${text} is outside the subnet ${formatSubnet(subnet)}` };
    const host = v4 - subnet.network;
    if (host === 1) return { problem: `${text} is the gateway's own address (the host)` };
    if (host === 0 || host === 2 ** (32 - subnet.prefix) - 1) return { problem: `${text} is the subnet's network or broadcast address` };
    return { address: formatIPv4(v4) };
  }
  const v6 = parseIPv6(text);
  if (v6 === undefined) return { problem: `${quote(text)} is not an IPv4 or IPv6 address` };
  const prefix = context.ipv6Prefix === undefined ? undefined : parseIPv6Prefix(context.ipv6Prefix);
  if (context.ipv6Prefix === undefined) return { problem: `${text} is IPv6, but the network has no ipv6_prefix` };
  if (prefix === undefined) return { problem: `${text} is IPv6, but ipv6_prefix ${context.ipv6Prefix} is not a usable prefix` };
  if (!ipv6SubnetContains(prefix, v6)) return { problem: `${text} is outside the ipv6_prefix ${context.ipv6Prefix}` };
  if (v6 === prefix.network + 1n) return { problem: `${text} is the gateway's own address (the host)` };
  if (v6 === prefix.network) return { problem: `${text} is the prefix's own (subnet-router anycast) address` };
  return { address: formatIPv6(v6) };
}

/**
 * Validates the entries of `port_forwarding` (already known to be a list within
 * its length limit). Every problem is reported through fail(field, why); only
 * good rules are returned.
 */
export function parsePortForwarding(
  entries: readonly unknown[],
  context: ForwardingContext,
  fail: (field: string, why: string) => void,
): PortForwardingRule[] {
  if (entries.length === 0) return [];
  if (context.mode !== "shared") {
    fail("port_forwarding", 'needs mode "shared": a host-only network has no way in from outside');
    return [];
  }
  if (context.subnet === undefined) {
    fail("port_forwarding", "needs a static subnet and mask, so that a target can be checked against it");
    return [];
  }
  const rules: PortForwardingRule[] = [];
  const seen = new Map<string, number>();
  for (const [i, entry] of entries.entries()) {
    const field = `port_forwarding[${i}]`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      fail(field, 'must be {"protocol": "tcp"|"udp", "external_port", "internal_address", "internal_port"}');
      continue;
    }
    const r = entry as Record<string, unknown>;
    let ok = true;
    const bad = (key: string, why: string) => {
      fail(`${field}.${key}`, why);
      ok = false;
    };
    for (const key of Object.keys(r)) if (!RULE_FIELDS.has(key)) bad(/^[a-z0-9_]{1,40}$/.test(key) ? key : quote(key), "unknown field");
    if (r.protocol !== "tcp" && r.protocol !== "udp") {
      bad("protocol", r.protocol === undefined ? 'is required: "tcp" or "udp"' : `must be "tcp" or "udp", not ${quote(r.protocol)}`);
    }
    for (const key of ["external_port", "internal_port"]) {
      if (!isPort(r[key]))
        bad(
          key,
          r[key] === undefined
            ? "is required: a port from 1 to 65535"
            : `must be an integer from 1 to 65535, not ${typeof r[key] === "number" ? r[key] : quote(r[key])}`,
        );
    }
    let address = "";
    if (typeof r.internal_address !== "string") {
      bad("internal_address", r.internal_address === undefined ? "is required: a guest's address on the network" : "must be a string");
    } else {
      const target = checkTarget(r.internal_address, context);
      if ("problem" in target) bad("internal_address", target.problem);
      else address = target.address;
    }
    if (!ok) continue;
    const rule: PortForwardingRule = {
      protocol: r.protocol as "tcp" | "udp",
      externalPort: r.external_port as number,
      internalAddress: address,
      internalPort: r.internal_port as number,
    };
    const key = forwardKey(rule);
    const first = seen.get(key);
    if (first !== undefined) {
      fail(field, `${key} is forwarded twice (port_forwarding[${first}] too)`);
      continue;
    }
    seen.set(key, i);
    rules.push(rule);
  }
  return rules;
}
