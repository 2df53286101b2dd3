// SPDX-License-Identifier: Apache-2.0
/** Records: only well-formed records naming our own objects are trusted; matchRecord checks the kernel. */
import { describe, expect, it } from "vitest";
import type { KernelFacts } from "./adopt.js";
import { matchRecord } from "./adopt.js";
import { type NetworkRecord, parseRecord, sameDefinition } from "./records.js";
import { networkConfig } from "./test-support.test-util.js";

const dir = "/run/vmnet-broker/linux/shared";
const good: NetworkRecord = {
  version: 1,
  name: "shared",
  definition: { description: "", mode: "shared", mtu: 1500, dhcp: true, dns: true, dhcpReservations: [] },
  ipv4: { network: "192.168.100.0", prefix: 24 },
  bridge: "vmbr-shared",
  table: "vmnet_broker_shared",
  leaseFile: `${dir}/dnsmasq.leases`,
  dnsmasq: { pid: 4242, conf: `${dir}/dnsmasq.conf` },
  interfaces: [
    { name: "vmtap-0000abcd", kind: "tap", holder: "interface", ownerUid: 1000, guestMac: "02:11:22:33:44:55" },
    { name: "vmveth-0000abcd", kind: "veth", holder: "connection", ownerUid: 0, guestMac: "" },
  ],
};
const text = (record: unknown) => JSON.stringify(record);
const reason = (record: unknown, at = dir) => {
  const parsed = parseRecord(at, typeof record === "string" ? record : text(record));
  return parsed.ok ? "accepted" : parsed.reason;
};

describe("parseRecord", () => {
  it("accepts a record it wrote", () => {
    expect(parseRecord(dir, text(good))).toEqual({ ok: true, record: good });
  });

  it("rejects corrupt records", () => {
    expect(reason("{not json")).toBe("not JSON");
    expect(reason("[]")).toMatch(/not an object/);
    expect(reason({ ...good, version: 2 })).toMatch(/version/);
    expect(reason({ ...good, interfaces: "vmtap-0000abcd" })).toMatch(/interfaces is not an array/);
    expect(reason({ ...good, definition: { ...good.definition, mtu: "1500" } })).toMatch(/mtu/);
    expect(reason({ ...good, ipv4: { network: "192.168.100.7", prefix: 24 } })).toMatch(/malformed/);
    expect(reason({ ...good, dnsmasq: { pid: -1, conf: good.dnsmasq?.conf } })).toMatch(/pid/);
  });

  it("rejects foreign names and paths: nothing outside our prefixes and our directory is ever trusted", () => {
    expect(reason({ ...good, bridge: "eth0" })).toMatch(/bridge "eth0" is not vmbr-shared/);
    expect(reason({ ...good, table: "filter" })).toMatch(/table/);
    expect(reason({ ...good, interfaces: [{ ...good.interfaces[0], name: "eth0" }] })).toMatch(/not one of ours/);
    expect(reason({ ...good, interfaces: [{ ...good.interfaces[0], kind: "veth" }] })).toMatch(/has kind/);
    expect(reason({ ...good, leaseFile: "/etc/shadow" })).toMatch(/lease file/);
    expect(reason({ ...good, dnsmasq: { pid: 1, conf: "/etc/dnsmasq.conf" } })).toMatch(/dnsmasq config/);
    expect(reason({ ...good, name: "../etc" })).toMatch(/not a network name/);
    // A record copied into another network's directory.
    expect(reason(good, "/run/vmnet-broker/linux/host")).toMatch(/does not belong/);
  });
});

describe("matchRecord", () => {
  const kernel = (overrides: Partial<KernelFacts> = {}): KernelFacts => ({
    links: new Map([
      ["vmbr-shared", { kind: "bridge", master: undefined }],
      ["vmtap-0000abcd", { kind: "tun", master: "vmbr-shared" }],
      ["vmveth-0000abcd", { kind: "veth", master: undefined }],
    ]),
    tables: new Set(["vmnet_broker_shared"]),
    addresses: [{ ifname: "vmbr-shared", local: "192.168.100.1", prefix: 24 }],
    ...overrides,
  });

  it("adopts the interfaces that are still ports of the bridge", () => {
    expect(matchRecord(good, kernel())).toEqual({ attached: [good.interfaces[0]] });
  });

  it("refuses a bridge that is gone, not a bridge, or not on the recorded subnet, and a missing table", () => {
    const without = new Map(kernel().links);
    without.delete("vmbr-shared");
    expect(matchRecord(good, kernel({ links: without }))).toEqual({ mismatch: "bridge vmbr-shared is gone" });
    const dummy = new Map(kernel().links).set("vmbr-shared", { kind: "dummy", master: undefined });
    expect(matchRecord(good, kernel({ links: dummy }))).toMatchObject({ mismatch: expect.stringMatching(/not a bridge/) });
    const moved = kernel({ addresses: [{ ifname: "vmbr-shared", local: "192.168.101.1", prefix: 24 }] });
    expect(matchRecord(good, moved)).toMatchObject({ mismatch: expect.stringMatching(/does not have 192.168.100.1\/24/) });
    expect(matchRecord(good, kernel({ tables: new Set() }))).toMatchObject({ mismatch: expect.stringMatching(/table/) });
  });

  it("leaves a network with nothing attached to reclaim", () => {
    const links = new Map(kernel().links);
    links.delete("vmtap-0000abcd");
    expect(matchRecord(good, kernel({ links }))).toHaveProperty("idle");
  });
});

describe("sameDefinition", () => {
  it("compares what the Linux backend runs with, not access lists or the source file", () => {
    const config = networkConfig("shared", { allowedUids: new Set([1]), source: "/etc/vmnet-broker.d/shared.json" });
    expect(sameDefinition(config, good.definition)).toBe(true);
    expect(sameDefinition({ ...config, mtu: 9000 }, good.definition)).toBe(false);
    expect(sameDefinition({ ...config, subnet: "10.0.0.0", mask: "255.255.255.0" }, good.definition)).toBe(false);
  });

  it("counts port forwards, and a record without any equals a configuration without any", () => {
    const config = networkConfig("shared");
    const forward = { protocol: "tcp" as const, externalPort: 8080, internalAddress: "192.168.100.10", internalPort: 80 };
    expect(sameDefinition({ ...config, portForwarding: [] }, good.definition)).toBe(true);
    expect(sameDefinition({ ...config, portForwarding: [forward] }, good.definition)).toBe(false);
    const withForward = { ...good.definition, portForwarding: [forward] };
    expect(sameDefinition({ ...config, portForwarding: [forward] }, withForward)).toBe(true);
    expect(sameDefinition({ ...config, portForwarding: [{ ...forward, internalPort: 81 }] }, withForward)).toBe(false);
  });
});

describe("parseRecord: port forwards", () => {
  const forward = { protocol: "udp", externalPort: 5353, internalAddress: "fd00::10", internalPort: 53 };
  const withForwards = (portForwarding: unknown) => ({ ...good, definition: { ...good.definition, portForwarding } });

  it("keeps well-formed forwards, which an adopted network reports as its configuration", () => {
    expect(parseRecord(dir, text(withForwards([forward])))).toEqual({ ok: true, record: withForwards([forward]) });
  });

  it("rejects malformed ones", () => {
    expect(reason(withForwards("tcp 80"))).toMatch(/portForwarding is not an array/);
    expect(reason(withForwards([{ ...forward, protocol: "sctp" }]))).toMatch(/neither tcp nor udp/);
    expect(reason(withForwards([{ ...forward, internalAddress: "guest" }]))).toMatch(/not an address/);
    expect(reason(withForwards([{ ...forward, externalPort: 0 }]))).toMatch(/externalPort/);
  });
});

describe("overlay records", () => {
  const overlay = { vni: 42, underlay: "ul0", port: 4789, peers: ["10.98.0.2"], servesDhcp: false };
  const overlaid: NetworkRecord = { ...good, definition: { ...good.definition, overlay }, dnsmasq: null };
  const kernel = (links: [string, { kind: string; master: string | undefined }][], addressed = false): KernelFacts => ({
    links: new Map([
      ["vmbr-shared", { kind: "bridge", master: undefined }],
      ["vmtap-0000abcd", { kind: "tun", master: "vmbr-shared" }],
      ...links,
    ]),
    tables: new Set(["vmnet_broker_shared"]),
    addresses: addressed ? [{ ifname: "vmbr-shared", local: "192.168.100.1", prefix: 24 }] : [],
  });
  const port: [string, { kind: string; master: string | undefined }] = ["vmvx-shared", { kind: "vxlan", master: "vmbr-shared" }];

  it("round-trips, and refuses an overlay that names no interface or no addresses", () => {
    expect(parseRecord(dir, text(overlaid))).toEqual({ ok: true, record: overlaid });
    const bad = (changes: object) => reason({ ...overlaid, definition: { ...good.definition, overlay: { ...overlay, ...changes } } });
    expect(bad({ underlay: "../../etc" })).toMatch(/not an interface name/);
    expect(bad({ peers: ["10.98.0.2; reboot"] })).toMatch(/peers are not IP addresses/);
    expect(bad({ local: "here" })).toMatch(/local is not an IP address/);
    expect(bad({ vni: 0 })).toMatch(/vni/);
  });

  it("adopts a non-serving host's bridge without the gateway address, with its VXLAN device as a port", () => {
    expect(matchRecord(overlaid, kernel([port]))).toEqual({ attached: [good.interfaces[0]] });
  });

  it("still wants the gateway address on the serving host", () => {
    const serving = { ...overlaid, definition: { ...overlaid.definition, overlay: { ...overlay, servesDhcp: true } } };
    expect(matchRecord(serving, kernel([port]))).toMatchObject({ mismatch: expect.stringMatching(/does not have 192.168.100.1\/24/) });
    expect(matchRecord(serving, kernel([port], true))).toHaveProperty("attached");
  });

  it("refuses a VXLAN device that is gone, of another kind, or off the bridge", () => {
    for (const links of [
      [],
      [["vmvx-shared", { kind: "dummy", master: "vmbr-shared" }]],
      [["vmvx-shared", { kind: "vxlan", master: undefined }]],
    ] as const) {
      expect(matchRecord(overlaid, kernel([...links]))).toEqual({ mismatch: "VXLAN device vmvx-shared is not a port of vmbr-shared" });
    }
  });

  it("tells overlays apart in sameDefinition", () => {
    const config = networkConfig("shared", { overlay });
    expect(sameDefinition(config, overlaid.definition)).toBe(true);
    expect(sameDefinition(networkConfig("shared", { overlay: { ...overlay, peers: ["10.98.0.3"] } }), overlaid.definition)).toBe(false);
    expect(sameDefinition(networkConfig("shared"), overlaid.definition)).toBe(false);
  });
});
