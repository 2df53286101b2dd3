// SPDX-License-Identifier: Apache-2.0
/**
 * The record of one live network, `<runtimeDir>/linux/<short>/record.json`, as
 * libvirt keeps its running networks under /run/libvirt/network/: what the next
 * broker needs to adopt the network (after a stop, an upgrade or kill -9). It is
 * written atomically (temp file, fsync, rename) whenever interfaces come and go.
 *
 * A record is never trusted: parseRecord() accepts only names derived from the
 * network's own name (so only our prefixes), only paths of the record's own
 * directory, and well-formed values; anything else makes the network reclaimed.
 */
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from "node:fs";
import { isIP } from "node:net";
import { basename, join } from "node:path";
import { maskFromPrefix, parseIPv4 } from "../../config/ipv4.js";
import type { DhcpReservation, NetworkConfig, NetworkModeName, OverlayConfig, PortForwardingRule } from "../../config/network-config.js";
import { NETWORK_NAME } from "../../config/parse-network.js";
import type { InterfaceNote } from "../../core/backend.js";
import { bridgeName, shortId, TAP_PREFIX, tableName, VETH_PREFIX } from "./names.js";
import { dnsmasqFiles } from "./runtime-files.js";

export const RECORD_FILE = "record.json";
const RECORD_VERSION = 1;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const OUR_INTERFACE = new RegExp(`^(${TAP_PREFIX}|${VETH_PREFIX})[0-9a-f]{8}$`);

/** The parts of a network's configuration the Linux backend runs it with. */
export interface LinuxDefinition {
  readonly description: string;
  readonly mode: NetworkModeName;
  readonly subnet?: string;
  readonly mask?: string;
  readonly ipv6Prefix?: string;
  readonly mtu: number;
  readonly dhcp: boolean;
  readonly dns: boolean;
  readonly dhcpReservations: readonly DhcpReservation[];
  /** Absent in records of networks without forwards (and of older brokers). */
  readonly portForwarding?: readonly PortForwardingRule[];
  /** A network across hosts: its VXLAN device is `vmvx-<short>`. */
  readonly overlay?: OverlayConfig;
}

export interface NetworkRecord {
  readonly version: typeof RECORD_VERSION;
  readonly name: string;
  readonly definition: LinuxDefinition;
  /** The subnet in use (picked when the definition has none). */
  readonly ipv4: { readonly network: string; readonly prefix: number };
  readonly bridge: string;
  readonly table: string;
  readonly leaseFile: string;
  /** The dnsmasq serving the network, if any. */
  readonly dnsmasq: { readonly pid: number; readonly conf: string } | null;
  readonly interfaces: readonly InterfaceNote[];
}

/** The definition in a fixed key order, from a configuration or a record. */
export function definitionOf(config: LinuxDefinition): LinuxDefinition {
  return {
    description: config.description,
    mode: config.mode,
    ...(config.subnet !== undefined ? { subnet: config.subnet } : {}),
    ...(config.mask !== undefined ? { mask: config.mask } : {}),
    ...(config.ipv6Prefix !== undefined ? { ipv6Prefix: config.ipv6Prefix } : {}),
    mtu: config.mtu,
    dhcp: config.dhcp,
    dns: config.dns,
    dhcpReservations: config.dhcpReservations.map(({ mac, ip }) => ({ mac, ip })),
    ...(config.portForwarding !== undefined && config.portForwarding.length > 0
      ? {
          portForwarding: config.portForwarding.map((r) => ({
            protocol: r.protocol,
            externalPort: r.externalPort,
            internalAddress: r.internalAddress,
            internalPort: r.internalPort,
          })),
        }
      : {}),
    ...(config.overlay !== undefined ? { overlay: overlayOf(config.overlay) } : {}),
  };
}

/** The overlay in a fixed key order. */
function overlayOf(o: OverlayConfig): OverlayConfig {
  return {
    vni: o.vni,
    underlay: o.underlay,
    ...(o.local !== undefined ? { local: o.local } : {}),
    port: o.port,
    peers: [...o.peers],
    servesDhcp: o.servesDhcp,
  };
}

/** True when `config` would run the network exactly as recorded. */
export function sameDefinition(config: NetworkConfig, definition: LinuxDefinition): boolean {
  return JSON.stringify(definitionOf(config)) === JSON.stringify(definitionOf(definition));
}

/**
 * The configuration an adopted network runs with, from its record. Access lists
 * are not in it: every acquire is checked against the current configuration.
 */
export function configOf(record: NetworkRecord, path: string): NetworkConfig {
  return {
    name: record.name,
    ...record.definition,
    nat44: record.definition.mode === "shared",
    nat66: false,
    routerAdvertisement: false,
    portForwarding: record.definition.portForwarding ?? [],
    source: `record ${path}`,
  };
}

/** Writes the record atomically: a reader sees the old one or the new one. */
export function writeRecord(dir: string, record: NetworkRecord): void {
  const path = join(dir, RECORD_FILE);
  const temp = `${path}.${process.pid}.tmp`;
  const fd = openSync(temp, "w", 0o644);
  try {
    writeSync(fd, `${JSON.stringify(record)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}

export type ParsedRecord = { ok: true; record: NetworkRecord } | { ok: false; reason: string };

/** Validates a record read from `dir` (the network's runtime directory). */
export function parseRecord(dir: string, text: string): ParsedRecord {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, reason: "not JSON" };
  }
  try {
    return { ok: true, record: checkRecord(dir, body) };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

function fail(why: string): never {
  throw new Error(why);
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(`${what} is not an object`);
  return value as Record<string, unknown>;
}

function string(o: Record<string, unknown>, key: string): string {
  const value = o[key];
  if (typeof value !== "string") fail(`${key} is not a string`);
  return value;
}

function optionalString(o: Record<string, unknown>, key: string): string | undefined {
  return o[key] === undefined ? undefined : string(o, key);
}

function boolean(o: Record<string, unknown>, key: string): boolean {
  const value = o[key];
  if (typeof value !== "boolean") fail(`${key} is not a boolean`);
  return value;
}

function integer(o: Record<string, unknown>, key: string, min: number, max: number): number {
  const value = o[key];
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    fail(`${key} is not an integer in [${min}, ${max}]`);
  return value;
}

function checkDefinition(value: unknown): LinuxDefinition {
  const o = object(value, "definition");
  const mode = string(o, "mode");
  if (mode !== "shared" && mode !== "host") fail(`mode ${JSON.stringify(mode)} is neither shared nor host`);
  const reservations = o.dhcpReservations;
  if (!Array.isArray(reservations)) fail("dhcpReservations is not an array");
  const subnet = optionalString(o, "subnet");
  const mask = optionalString(o, "mask");
  const ipv6Prefix = optionalString(o, "ipv6Prefix");
  const overlay = o.overlay === undefined ? undefined : checkOverlay(o.overlay);
  return {
    description: string(o, "description"),
    mode,
    ...(subnet !== undefined ? { subnet } : {}),
    ...(mask !== undefined ? { mask } : {}),
    ...(ipv6Prefix !== undefined ? { ipv6Prefix } : {}),
    mtu: integer(o, "mtu", 68, 65535),
    dhcp: boolean(o, "dhcp"),
    dns: boolean(o, "dns"),
    dhcpReservations: reservations.map((entry) => {
      const r = object(entry, "a DHCP reservation");
      const mac = string(r, "mac");
      const ip = string(r, "ip");
      if (!MAC.test(mac) || parseIPv4(ip) === undefined) fail(`DHCP reservation ${mac} -> ${ip} is malformed`);
      return { mac, ip };
    }),
    ...(o.portForwarding !== undefined ? { portForwarding: checkForwards(o.portForwarding) } : {}),
    ...(overlay !== undefined ? { overlay } : {}),
  };
}

/** Only what the addon will be handed again: an interface name and IP addresses. */
function checkOverlay(value: unknown): OverlayConfig {
  const o = object(value, "overlay");
  const underlay = string(o, "underlay");
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/.test(underlay))
    fail(`overlay underlay ${JSON.stringify(underlay.slice(0, 32))} is not an interface name`);
  const local = optionalString(o, "local");
  if (local !== undefined && isIP(local) === 0) fail("overlay local is not an IP address");
  const peers = o.peers;
  if (!Array.isArray(peers) || peers.some((p) => typeof p !== "string" || isIP(p) === 0)) fail("overlay peers are not IP addresses");
  return {
    vni: integer(o, "vni", 1, 0xffffff),
    underlay,
    ...(local !== undefined ? { local } : {}),
    port: integer(o, "port", 1, 65535),
    peers: peers as string[],
    servesDhcp: boolean(o, "servesDhcp"),
  };
}

function checkForwards(value: unknown): PortForwardingRule[] {
  if (!Array.isArray(value)) fail("portForwarding is not an array");
  return value.map((entry) => {
    const r = object(entry, "a port forward");
    const protocol = string(r, "protocol");
    if (protocol !== "tcp" && protocol !== "udp")
      fail(`port forward protocol ${JSON.stringify(protocol.slice(0, 8))} is neither tcp nor udp`);
    const internalAddress = string(r, "internalAddress");
    if (isIP(internalAddress) === 0) {
      fail(`port forward target ${JSON.stringify(internalAddress.slice(0, 40))} is not an address`);
    }
    return {
      protocol,
      externalPort: integer(r, "externalPort", 1, 65535),
      internalAddress,
      internalPort: integer(r, "internalPort", 1, 65535),
    };
  });
}

function checkInterface(value: unknown): InterfaceNote {
  const o = object(value, "an interface");
  const name = string(o, "name");
  if (!OUR_INTERFACE.test(name)) fail(`interface ${JSON.stringify(name.slice(0, 32))} is not one of ours`);
  const kind = string(o, "kind");
  if (kind !== (name.startsWith(TAP_PREFIX) ? "tap" : "veth")) fail(`interface ${name} has kind ${JSON.stringify(kind)}`);
  const holder = string(o, "holder");
  if (holder !== "connection" && holder !== "interface") fail(`interface ${name} has holder ${JSON.stringify(holder)}`);
  const guestMac = string(o, "guestMac");
  if (guestMac !== "" && !MAC.test(guestMac)) fail(`interface ${name} has guest MAC ${JSON.stringify(guestMac)}`);
  const named = o.named ?? false;
  if (typeof named !== "boolean" || (named && kind !== "tap")) fail(`interface ${name} has named ${JSON.stringify(named)}`);
  return { name, kind, holder, ownerUid: integer(o, "ownerUid", 0, 0xffffffff), guestMac, ...(named ? { named } : {}) };
}

function checkRecord(dir: string, value: unknown): NetworkRecord {
  const o = object(value, "the record");
  if (o.version !== RECORD_VERSION) fail(`version ${JSON.stringify(o.version)} is not ${RECORD_VERSION}`);
  const name = string(o, "name");
  if (!NETWORK_NAME.test(name)) fail(`name ${JSON.stringify(name.slice(0, 40))} is not a network name`);
  if (shortId(name) !== basename(dir)) fail(`network '${name}' does not belong in ${dir}`);
  const bridge = string(o, "bridge");
  const table = string(o, "table");
  if (bridge !== bridgeName(name)) fail(`bridge ${JSON.stringify(bridge.slice(0, 32))} is not ${bridgeName(name)}`);
  if (table !== tableName(name)) fail(`table ${JSON.stringify(table.slice(0, 40))} is not ${tableName(name)}`);
  const files = dnsmasqFiles(dir);
  const leaseFile = string(o, "leaseFile");
  if (leaseFile !== files.leases) fail(`lease file ${JSON.stringify(leaseFile.slice(0, 200))} is not ${files.leases}`);
  let dnsmasq: NetworkRecord["dnsmasq"] = null;
  if (o.dnsmasq !== null) {
    const d = object(o.dnsmasq, "dnsmasq");
    const conf = string(d, "conf");
    if (conf !== files.conf) fail(`dnsmasq config ${JSON.stringify(conf.slice(0, 200))} is not ${files.conf}`);
    dnsmasq = { pid: integer(d, "pid", 2, 0x3fffffff), conf };
  }
  const ipv4 = object(o.ipv4, "ipv4");
  const network = string(ipv4, "network");
  const prefix = integer(ipv4, "prefix", 8, 30);
  const address = parseIPv4(network);
  if (address === undefined || (address & maskFromPrefix(prefix)) >>> 0 !== address) fail(`subnet ${network}/${prefix} is malformed`);
  const interfaces = o.interfaces;
  if (!Array.isArray(interfaces)) fail("interfaces is not an array");
  return {
    version: RECORD_VERSION,
    name,
    definition: checkDefinition(o.definition),
    ipv4: { network, prefix },
    bridge,
    table,
    leaseFile,
    dnsmasq,
    interfaces: interfaces.map(checkInterface),
  };
}
