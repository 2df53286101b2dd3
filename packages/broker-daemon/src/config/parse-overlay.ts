// SPDX-License-Identifier: Apache-2.0
/**
 * The `overlay` object of a network file: the network's bridge also reaches other
 * hosts through a kernel VXLAN device with a static list of unicast peers.
 * Every host's file for the segment names the same VNI and subnet; exactly one
 * of them says `"dhcp": "serve"` (that host holds the gateway address and runs
 * DHCP/DNS), the others `"dhcp": "none"` (their bridge is a plain switch).
 */
import { isIPv4, isIPv6 } from "node:net";
import { quote } from "./field-limits.js";
import type { OverlayConfig } from "./network-config.js";

const FIELDS = new Set(["vni", "underlay", "local", "port", "peers", "dhcp"]);
const IFNAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;
/** The IANA port of VXLAN (RFC 7348). */
export const VXLAN_PORT = 4789;
/** VNIs are 24 bits. */
const MAX_VNI = 0xffffff;
/** Each peer is one FDB entry and one copy of every broadcast frame. */
export const MAX_OVERLAY_PEERS = 64;

/** What the rest of the file says about DHCP and DNS, to check against the role. */
export interface OverlayContext {
  readonly staticSubnet: boolean;
  /** Top-level dhcp/dns as the file set them (undefined: not set). */
  readonly dhcp: unknown;
  readonly dns: unknown;
}

/**
 * Validates `overlay`; every problem goes to fail(field, why) with the field's
 * full path ("overlay.peers[1]"). Returns undefined when the value is bad.
 */
export function parseOverlay(
  value: unknown,
  context: OverlayContext,
  fail: (field: string, why: string) => void,
): OverlayConfig | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail("overlay", 'must be an object like {"vni": 42, "underlay": "eth1", "peers": ["10.0.0.2"], "dhcp": "serve"}');
    return undefined;
  }
  const o = value as Record<string, unknown>;
  let problems = 0;
  const problem = (field: string, why: string) => {
    problems += 1;
    fail(`overlay.${field}`, why);
  };
  for (const key of Object.keys(o)) {
    if (!FIELDS.has(key)) problem(/^[a-z0-9_]{1,40}$/.test(key) ? key : quote(key), "unknown field");
  }

  const vni = o.vni;
  if (typeof vni !== "number" || !Number.isInteger(vni) || vni < 1 || vni > MAX_VNI) {
    problem("vni", expected(vni, `an integer from 1 to ${MAX_VNI} (the VXLAN network identifier every host of the segment uses)`));
  }

  const underlay = o.underlay;
  if (typeof underlay !== "string" || !IFNAME.test(underlay)) {
    problem("underlay", expected(underlay, "the name of the interface that carries the overlay to the peers"));
  }

  let port = VXLAN_PORT;
  if (o.port !== undefined) {
    if (typeof o.port !== "number" || !Number.isInteger(o.port) || o.port < 1 || o.port > 65535)
      problem("port", "must be a UDP port from 1 to 65535");
    else port = o.port;
  }

  const peers: string[] = [];
  let family: 4 | 6 | undefined;
  if (!Array.isArray(o.peers) || o.peers.length === 0) {
    problem("peers", expected(o.peers, "a list of the other hosts' underlay IP addresses"));
  } else if (o.peers.length > MAX_OVERLAY_PEERS) {
    problem("peers", `has ${o.peers.length} entries; at most ${MAX_OVERLAY_PEERS} are allowed`);
  } else {
    for (const [i, peer] of o.peers.entries()) {
      const f = ipFamily(peer);
      if (f === undefined) problem(`peers[${i}]`, `${quote(peer)} is not an IPv4 or IPv6 address`);
      else if (!isUnicast(peer as string)) problem(`peers[${i}]`, `${peer} is not a unicast address`);
      else if (family !== undefined && f !== family)
        problem(`peers[${i}]`, `${peer} is IPv${f} but peers[0] is IPv${family}: one underlay, one family`);
      else if (peers.includes(normalIp(peer as string))) problem(`peers[${i}]`, `${peer} is listed twice`);
      else {
        family = f;
        peers.push(normalIp(peer as string));
      }
    }
  }

  let local: string | undefined;
  if (o.local !== undefined) {
    const f = ipFamily(o.local);
    if (f === undefined) problem("local", `${quote(o.local)} is not an IPv4 or IPv6 address`);
    else if (!isUnicast(o.local as string)) problem("local", `${o.local} is not a unicast address`);
    else if (family !== undefined && f !== family) problem("local", `${o.local} is IPv${f} but the peers are IPv${family}`);
    else if (peers.includes(normalIp(o.local as string))) problem("local", `${o.local} is also listed as a peer`);
    else local = normalIp(o.local as string);
  } else if (family === 6) {
    problem("local", "is required with IPv6 peers: this host's own address on the underlay");
  }

  const dhcp = o.dhcp;
  if (dhcp !== "serve" && dhcp !== "none") {
    problem(
      "dhcp",
      expected(dhcp, '"serve" on exactly one host of the segment (it holds the gateway and runs DHCP), "none" on the others'),
    );
  } else if (dhcp === "serve" && context.dhcp === false) {
    problem("dhcp", '"serve" needs DHCP: remove the top-level "dhcp": false, or say "none"');
  } else if (dhcp === "none" && (context.dhcp === true || context.dns === true)) {
    problem("dhcp", `"none" runs no DHCP or DNS on this host: remove the top-level "${context.dhcp === true ? "dhcp" : "dns"}": true`);
  }
  if (!context.staticSubnet) fail("subnet", "an overlay network needs a static subnet and mask, the same on every host");

  if (problems > 0 || !context.staticSubnet) return undefined;
  return {
    vni: vni as number,
    underlay: underlay as string,
    port,
    peers,
    ...(local !== undefined ? { local } : {}),
    servesDhcp: dhcp === "serve",
  };
}

/** "is required: <what>" for a missing field, "must be <what>, not <value>" for a wrong one. */
function expected(value: unknown, what: string): string {
  return value === undefined ? `is required: ${what}` : `must be ${what}, not ${quote(value)}`;
}

function ipFamily(value: unknown): 4 | 6 | undefined {
  if (typeof value !== "string") return undefined;
  if (isIPv4(value)) return 4;
  return isIPv6(value) ? 6 : undefined;
}

/** Peers get unicast VXLAN: no unspecified, broadcast or multicast address. */
function isUnicast(text: string): boolean {
  if (isIPv4(text)) {
    const first = Number(text.split(".")[0]);
    return text !== "0.0.0.0" && first < 224;
  }
  const canonical = normalIp(text);
  return canonical !== "::" && !canonical.startsWith("ff");
}

/** One spelling per address, so that duplicates are found ("fd00::0:1" = "fd00::1"). */
function normalIp(text: string): string {
  if (isIPv4(text)) return text;
  // The URL parser writes IPv6 in its canonical compressed form.
  return new URL(`http://[${text}]/`).hostname.slice(1, -1);
}
