// SPDX-License-Identifier: Apache-2.0
/** The VXLAN device of an overlay network, against the kernel (fresh namespace per test). */
import { readdirSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { OverlayConfig } from "../../config/network-config.js";
import { CreateFailure } from "../../core/backend.js";
import { linuxNative } from "./native.js";
import { runTool } from "./run-tool.js";
import { linkNames, networkConfig, nftRuleset, TestBed } from "./test-support.test-util.js";

const bed = new TestBed();
beforeEach(() => bed.setUp());
afterEach(() => bed.cleanUp());

const overlay = (changes: Partial<OverlayConfig> = {}): OverlayConfig => ({
  vni: 4242,
  underlay: "ul0",
  port: 4789,
  peers: ["10.98.0.2", "10.98.0.3"],
  servesDhcp: true,
  ...changes,
});
const lab = (o: OverlayConfig, changes = {}) =>
  networkConfig("lab", { mode: "host", subnet: "10.77.0.0", mask: "255.255.255.0", overlay: o, ...changes });

/** A stand-in underlay in the test's namespace (no dummy module here: a veth pair). */
async function underlay(mtu: number, ...addresses: string[]): Promise<void> {
  await runTool("ip", ["link", "add", "ul0", "mtu", String(mtu), "type", "veth", "peer", "name", "ul1", "mtu", String(mtu)]);
  for (const address of addresses) await runTool("ip", ["addr", "add", address, "dev", "ul0", "nodad"]);
  await runTool("ip", ["link", "set", "ul0", "up"]);
}

interface LinkJson {
  mtu: number;
  master?: string;
  operstate: string;
  linkinfo?: { info_kind: string; info_data: Record<string, unknown> };
}
const link = async (name: string) => (JSON.parse(await runTool("ip", ["-d", "-j", "link", "show", name])) as LinkJson[])[0];
const fdb = async (name: string) => runTool("bridge", ["fdb", "show", "dev", name]);

describe("overlay networks", () => {
  it("puts a VXLAN device with one all-zeros FDB entry per peer on the bridge, sized for the encapsulation", async () => {
    await underlay(9000, "10.98.0.1/24");
    const network = await bed.create(lab(overlay()));
    expect(network.info.mtu).toBe(8950);
    const vxlan = await link("vmvx-lab");
    expect(vxlan).toMatchObject({ mtu: 8950, master: "vmbr-lab", linkinfo: { info_kind: "vxlan" } });
    expect(vxlan?.linkinfo?.info_data).toMatchObject({ id: 4242, local: "10.98.0.1", link: "ul0", port: 4789, learning: true });
    expect(vxlan?.operstate).not.toBe("DOWN");
    const entries = await fdb("vmvx-lab");
    for (const peer of ["10.98.0.2", "10.98.0.3"]) expect(entries).toContain(`00:00:00:00:00:00 dst ${peer} self permanent`);
    expect((await link("vmbr-lab"))?.mtu).toBe(8950);
    const tap = await network.openTap!({ vnetHeader: false, queues: 1, ownerUid: 0, ownerGid: 0, named: true, vhostNet: false });
    expect((await link(tap.name))?.mtu).toBe(8950);
    expect(readdirSync(`${bed.runtimeDir}/linux/lab`)).toContain("dnsmasq.conf");

    await network.destroy();
    expect((await linkNames()).filter((n) => n.startsWith("vm"))).toEqual([]);
  });

  it("takes an IPv6 underlay from the configured local address, 70 bytes down, on another port", async () => {
    await underlay(1500, "fd98::1/64");
    const network = await bed.create(lab(overlay({ local: "fd98::1", peers: ["fd98::2"], port: 8472 })));
    expect(network.info.mtu).toBe(1430);
    expect((await link("vmvx-lab"))?.linkinfo?.info_data).toMatchObject({ id: 4242, local6: "fd98::1", port: 8472 });
    expect(await fdb("vmvx-lab")).toContain("00:00:00:00:00:00 dst fd98::2 self permanent");
  });

  it("keeps a file's own MTU when it fits under the underlay's", async () => {
    await underlay(1500, "10.98.0.1/24");
    const network = await bed.create(lab(overlay(), { mtu: 1400, explicitSettings: new Set(["mtu"]) }));
    expect(network.info.mtu).toBe(1400);
    expect((await link("vmvx-lab"))?.mtu).toBe(1400);
  });

  it("makes a plain switch on a host that does not serve: no address, no dnsmasq", async () => {
    await underlay(1500, "10.98.0.1/24");
    const network = await bed.create(lab(overlay({ servesDhcp: false }), { dhcp: false, dns: false, ipv6Prefix: "fd77::/64" }));
    expect(network.info).toMatchObject({ gateway: "10.77.0.1", mtu: 1450 });
    expect(await runTool("ip", ["-o", "addr", "show", "dev", "vmbr-lab"])).toBe("");
    expect(readdirSync(`${bed.runtimeDir}/linux/lab`)).not.toContain("dnsmasq.conf");
  });

  it.each([
    ["an underlay that does not exist", async () => undefined, {}, /overlay underlay 'ul0' does not exist on this host/],
    [
      "an underlay without an IPv4 address",
      () => underlay(1500),
      {},
      /'ul0' has no IPv4 address: give it one, or name this host's address in overlay.local/,
    ],
    [
      "an MTU the underlay cannot carry",
      () => underlay(1500, "10.98.0.1/24"),
      { mtu: 1500, explicitSettings: new Set(["mtu"]) },
      /mtu 1500 does not fit the overlay: underlay 'ul0' carries at most 1450 after 50 bytes/,
    ],
    [
      "a local address the kernel refuses",
      () => underlay(1500, "10.98.0.1/24"),
      { overlay: overlay({ local: "fd98::1", peers: ["10.98.0.2"] }) },
      /network 'lab': /,
    ],
  ])("fails on %s with a clear error and leaves nothing", async (_, prepare, changes, message) => {
    await prepare();
    const attempt = bed.create(lab(overlay(), changes));
    await expect(attempt).rejects.toThrow(CreateFailure);
    await expect(attempt).rejects.toThrow(message);
    expect((await linkNames()).filter((n) => n.startsWith("vm"))).toEqual([]);
    expect(await nftRuleset()).not.toContain("vmnet_broker_");
  });

  it("has addon calls that refuse bad arguments with their usage, and name the failing request", async () => {
    const native = linuxNative();
    const good = { name: "vmvx-t", vni: 1, port: 4789, underlay: "ul0", local: "10.98.0.1", mtu: 1450 };
    expect(() => native.createVxlan({ ...good, vni: 0 })).toThrow(/^createVxlan\(\{name.*\}\): vni must be an integer in \[1, 16777215\]$/);
    expect(() => native.createVxlan({ ...good, local: "nowhere" })).toThrow(TypeError);
    expect(() => native.createVxlan({ ...good, name: "a-name-far-too-long" })).toThrow(
      /name 'a-name-far-too-long' must have 1 to 15 bytes/,
    );
    expect(() => native.createVxlan({ ...good, underlay: "absent0" })).toThrow(/SIOCGIFINDEX absent0 failed: ENODEV/);
    expect(() => native.fdbAppend("lo", "10.0.0.300")).toThrow(
      /^fdbAppend\(ifname: string, dst: string\): dst '10.0.0.300' is not an IP address$/,
    );
    expect(() => native.mtuOf("absent0")).toThrow(/SIOCGIFMTU absent0 failed: ENODEV/);
    await underlay(1500, "10.98.0.1/24");
    native.createVxlan(good);
    expect(() => native.createVxlan({ ...good, name: "vmvx-t2" })).toThrow(/RTM_NEWLINK vxlan vmvx-t2 \(vni 1 over ul0\) failed: EEXIST/);
    expect(native.mtuOf("vmvx-t")).toBe(1450);
  });
});
