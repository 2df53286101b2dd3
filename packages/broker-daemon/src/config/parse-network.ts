// SPDX-License-Identifier: Apache-2.0
import { BUILTIN_NETWORKS } from "./builtin.js";
import { MAX_ACCOUNT_NAME_BYTES, MAX_LIST_LENGTH, MAX_STRING_BYTES, quote } from "./field-limits.js";
import { formatIPv4, networkAddressOf, parseIPv4, prefixLength, type Subnet, subnetContains } from "./ipv4.js";
import {
  type DhcpReservation,
  EXPLICIT_SETTINGS,
  type NetworkConfig,
  type NetworkModeName,
  type PortForwardingRule,
} from "./network-config.js";
import { parseOverlay } from "./parse-overlay.js";
import { parsePortForwarding } from "./port-forwarding.js";
import type { AccountDatabase } from "./users.js";

/** Network names: short, safe in file names, interface names and logs. */
export const NETWORK_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const IFNAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;

const FIELDS = new Set([
  "name",
  "description",
  "mode",
  "subnet",
  "mask",
  "ipv6_prefix",
  "mtu",
  "dhcp",
  "dns",
  "dhcp_reservations",
  "allowed_users",
  "allowed_groups",
  "nat44",
  "nat66",
  "router_advertisement",
  "external_interface",
  "port_forwarding",
  "overlay",
]);

export type ParseResult = { ok: true; config: NetworkConfig } | { ok: false; errors: string[] };

/**
 * Validates one configuration file's JSON body. Every problem is reported with the
 * file and the field, so a person can fix them all in one go.
 */
export function parseNetworkFile(file: string, name: string, body: unknown, accounts: AccountDatabase): ParseResult {
  const errors: string[] = [];
  const fail = (field: string, why: string) => errors.push(`${file}: field '${field}': ${why}`);
  if (!NETWORK_NAME.test(name)) {
    return {
      ok: false,
      errors: [`${file}: the file name must be a network name (lower case letters, digits, '-' or '_', up to 32)`],
    };
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { ok: false, errors: [`${file}: expected a JSON object`] };
  }
  const o = body as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!FIELDS.has(key)) fail(/^[a-z0-9_]{1,40}$/.test(key) ? key : quote(key), "unknown field");
  }

  const str = (field: string): string | undefined => {
    const v = o[field];
    if (v === undefined) return undefined;
    if (typeof v !== "string") return void fail(field, "must be a string");
    const max = MAX_STRING_BYTES[field] ?? 0;
    if (Buffer.byteLength(v) > max) return void fail(field, `is longer than ${max} bytes`);
    return v;
  };
  const list = (field: string): unknown[] | undefined => {
    const v = o[field];
    if (!Array.isArray(v)) return undefined;
    const max = MAX_LIST_LENGTH[field] ?? 0;
    if (v.length > max) return void fail(field, `has ${v.length} entries; at most ${max} are allowed`);
    return v;
  };
  const bool = (field: string, fallback: boolean): boolean => {
    const v = o[field];
    if (v === undefined) return fallback;
    if (typeof v !== "boolean") return (fail(field, "must be true or false"), fallback);
    return v;
  };

  if (o.name !== undefined && o.name !== name) fail("name", `must match the file name ('${name}') or be left out`);
  const base = BUILTIN_NETWORKS.find((n) => n.name === name);
  const modeText = str("mode") ?? base?.mode;
  if (modeText === undefined) fail("mode", 'is required: "shared" or "host"');
  else if (modeText !== "shared" && modeText !== "host") fail("mode", `must be "shared" or "host", not ${quote(modeText)}`);
  const mode: NetworkModeName = modeText === "host" ? "host" : "shared";

  const errorsBeforeSubnet = errors.length;
  const subnetText = str("subnet");
  const maskText = str("mask");
  let subnet: number | undefined;
  let prefix: number | undefined;
  if ((subnetText === undefined) !== (maskText === undefined)) {
    fail(subnetText === undefined ? "subnet" : "mask", "subnet and mask go together: give both or neither");
  } else if (subnetText !== undefined && maskText !== undefined) {
    subnet = parseIPv4(subnetText);
    const mask = parseIPv4(maskText);
    prefix = mask === undefined ? undefined : prefixLength(mask);
    if (subnet === undefined) fail("subnet", `${quote(subnetText)} is not an IPv4 address`);
    if (mask === undefined) fail("mask", `${quote(maskText)} is not an IPv4 netmask`);
    else if (prefix === undefined) fail("mask", `${maskText} is not a contiguous netmask`);
    else if (prefix < 8 || prefix > 29) fail("mask", `prefix /${prefix} is outside /8../29`);
    else if (subnet !== undefined) {
      const network = networkAddressOf(subnet, mask);
      if (network === undefined) {
        const first = (subnet & mask) >>> 0;
        fail(
          "subnet",
          `${subnetText} is neither the network address (${formatIPv4(first)}) nor the host's address on it ` +
            `(${formatIPv4(first + 1)}, the first usable one) for mask ${maskText}`,
        );
      } else subnet = network;
    }
  }

  const ipv6Prefix = str("ipv6_prefix");
  if (ipv6Prefix !== undefined && !/^[0-9a-f:]+\/(4[89]|[5-9]\d|1[01]\d|12[0-8])$/i.test(ipv6Prefix)) {
    fail("ipv6_prefix", `${quote(ipv6Prefix)} is not an IPv6 prefix like "fd12:3456:789a::/64"`);
  }
  // Forwards are checked against the subnet and prefix: not when those are broken (reported already).
  const forwardsCheckable = errors.length === errorsBeforeSubnet;

  let mtu = base?.mtu ?? 1500;
  if (o.mtu !== undefined) {
    if (typeof o.mtu !== "number" || !Number.isInteger(o.mtu) || o.mtu < 576 || o.mtu > 65535) {
      fail("mtu", "must be an integer from 576 to 65535");
    } else mtu = o.mtu;
  }

  const dhcpReservations: DhcpReservation[] = [];
  const reservations = list("dhcp_reservations");
  if (o.dhcp_reservations !== undefined && !Array.isArray(o.dhcp_reservations)) fail("dhcp_reservations", "must be a list of {mac, ip}");
  else if (reservations && (subnet === undefined || prefix === undefined)) fail("dhcp_reservations", "need a static subnet and mask");
  else if (reservations && subnet !== undefined && prefix !== undefined) {
    const seenMacs = new Set<string>();
    const seenIps = new Set<number>();
    for (const [i, r] of reservations.entries()) {
      const field = `dhcp_reservations[${i}]`;
      const rec = r as Record<string, unknown> | null;
      const mac = typeof rec?.mac === "string" ? rec.mac.toLowerCase() : undefined;
      const ip = typeof rec?.ip === "string" ? parseIPv4(rec.ip) : undefined;
      if (!mac || !MAC.test(mac)) fail(field, 'needs "mac" like "52:54:00:12:34:56"');
      else if (ip === undefined) fail(field, 'needs "ip", an IPv4 address');
      else {
        const problem = reservationProblem({ network: subnet, prefix }, ip);
        if (problem) fail(field, `${formatIPv4(ip)} ${problem}`);
        else if (seenMacs.has(mac)) fail(field, `${mac} is reserved twice`);
        else if (seenIps.has(ip)) fail(field, `${formatIPv4(ip)} is reserved twice`);
        else {
          seenMacs.add(mac);
          seenIps.add(ip);
          const uid = reservationUser(rec?.user, accounts, (why) => fail(`${field}.user`, why));
          dhcpReservations.push({ mac, ip: formatIPv4(ip), ...(uid !== undefined ? { uid } : {}) });
        }
      }
    }
  }

  const ids = (field: "allowed_users" | "allowed_groups"): Set<number> | undefined => {
    const v = o[field];
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) return (fail(field, "must be a list of names or numeric ids"), new Set());
    const result = new Set<number>();
    for (const entry of list(field) ?? []) {
      if (typeof entry === "number" && Number.isInteger(entry) && entry >= 0 && entry < 2 ** 32 - 1) result.add(entry);
      else if (typeof entry === "string" && Buffer.byteLength(entry) <= MAX_ACCOUNT_NAME_BYTES) {
        const id = field === "allowed_users" ? accounts.uidOf(entry) : accounts.gidOf(entry);
        if (id === undefined) fail(field, `no ${field === "allowed_users" ? "user" : "group"} named ${quote(entry)}`);
        else result.add(id);
      } else fail(field, `${quote(entry)} is neither a name nor a numeric id`);
    }
    return result;
  };
  const allowedUids = ids("allowed_users");
  const allowedGids = ids("allowed_groups");

  let portForwarding: PortForwardingRule[] = [];
  if (o.port_forwarding !== undefined && !Array.isArray(o.port_forwarding)) fail("port_forwarding", "must be a list of rules");
  const forwards = list("port_forwarding");
  if (forwards && forwardsCheckable) {
    const context = {
      mode,
      ...(subnet !== undefined && prefix !== undefined ? { subnet: { network: subnet, prefix } } : {}),
      ...(ipv6Prefix !== undefined ? { ipv6Prefix } : {}),
    };
    portForwarding = parsePortForwarding(forwards, context, fail);
  }

  const description = str("description") ?? base?.description ?? "";
  const externalInterface = str("external_interface");
  if (externalInterface !== undefined && !IFNAME.test(externalInterface)) {
    fail("external_interface", `${quote(externalInterface)} is not an interface name`);
  }
  const overlay =
    o.overlay === undefined
      ? undefined
      : parseOverlay(o.overlay, { staticSubnet: subnetText !== undefined, dhcp: o.dhcp, dns: o.dns }, fail);
  // A host that does not serve the segment runs no dnsmasq for it.
  const switchOnly = overlay !== undefined && !overlay.servesDhcp;
  if (switchOnly && portForwarding.length > 0) {
    fail("port_forwarding", 'needs the host that serves the overlay ("dhcp": "serve"): this one has no gateway address to forward from');
  }
  const dhcp = bool("dhcp", switchOnly ? false : (base?.dhcp ?? true));
  const dns = bool("dns", switchOnly ? false : (base?.dns ?? true));
  const nat44 = bool("nat44", mode === "shared");
  const nat66 = bool("nat66", mode === "shared");
  const routerAdvertisement = bool("router_advertisement", true);
  if (errors.length > 0) return { ok: false, errors };

  const config: NetworkConfig = {
    name,
    description,
    mode,
    mtu,
    dhcp,
    dns,
    dhcpReservations,
    nat44,
    nat66,
    routerAdvertisement,
    portForwarding,
    explicitSettings: new Set(EXPLICIT_SETTINGS.filter((field) => o[field] !== undefined)),
    source: file,
    ...(subnet !== undefined && prefix !== undefined ? { subnet: formatIPv4(subnet), mask: maskText as string } : {}),
    ...(ipv6Prefix !== undefined ? { ipv6Prefix } : {}),
    ...(allowedUids !== undefined ? { allowedUids } : {}),
    ...(allowedGids !== undefined ? { allowedGids } : {}),
    ...(externalInterface !== undefined ? { externalInterface } : {}),
    ...(overlay !== undefined ? { overlay } : {}),
  };
  return { ok: true, config };
}

/** Why ip cannot be reserved for a guest on subnet, or undefined when it can. */
/** A reservation's optional `user`: a name or a numeric uid. */
function reservationUser(value: unknown, accounts: AccountDatabase, fail: (why: string) => void): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value < 2 ** 32 - 1) return value;
  if (typeof value === "string" && Buffer.byteLength(value) <= MAX_ACCOUNT_NAME_BYTES) {
    const uid = accounts.uidOf(value);
    if (uid === undefined) fail(`no user named ${quote(value)}`);
    return uid;
  }
  fail(`${quote(value)} is neither a user name nor a numeric uid`);
  return undefined;
}

function reservationProblem(subnet: Subnet, ip: number): string | undefined {
  if (!subnetContains(subnet, ip)) return `is outside the subnet ${formatIPv4(subnet.network)}/${subnet.prefix}`;
  const hostPart = ip - subnet.network;
  if (hostPart === 1) return "is the gateway's own address";
  if (hostPart === 0 || hostPart === 2 ** (32 - subnet.prefix) - 1) return "is the subnet's network or broadcast address";
  return undefined;
}
