// SPDX-License-Identifier: Apache-2.0
/** Adoption at start, and the link watcher, against the kernel (fresh namespace per test). */
import { readFileSync, writeFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { NotAdopted } from "./adopt.js";
import { createLinuxBackend } from "./backend.js";
import { linuxNative } from "./native.js";
import { RECORD_FILE } from "./records.js";
import { runTool } from "./run-tool.js";
import { linkNames, networkConfig, nftRuleset, processAlive, TestBed } from "./test-support.test-util.js";

const bed = new TestBed();
beforeEach(() => bed.setUp());
afterEach(() => bed.cleanUp());

const recordPath = () => `${bed.runtimeDir}/linux/shared/${RECORD_FILE}`;

/** A network with a TAP (fd held) recorded, as a broker leaves it when it dies. */
async function leftBehind() {
  const network = await bed.create(networkConfig("shared"));
  const tap = await network.openTap!({ vnetHeader: false, queues: 1, ownerUid: 0, ownerGid: 0, named: false, vhostNet: false });
  await network.noteInterfaces!([{ name: tap.name, kind: "tap", holder: "connection", ownerUid: 1000, guestMac: "02:00:00:00:00:01" }]);
  return { network, tap };
}

function nextBroker() {
  const notAdopted: NotAdopted[] = [];
  const backend = createLinuxBackend({ runtimeDir: bed.runtimeDir, onNotAdopted: (n) => notAdopted.push(n) });
  return { backend, notAdopted };
}

describe("adoptLeftovers", () => {
  it("adopts a recorded network with an interface attached: same bridge, subnet and leases, a new dnsmasq", async () => {
    const { network, tap } = await leftBehind();
    const oldPid = JSON.parse(readFileSync(recordPath(), "utf8")).dnsmasq.pid as number;
    // A lease handed out before the restart.
    const expiry = Math.floor(Date.now() / 1000) + 3600;
    writeFileSync(`${bed.runtimeDir}/linux/shared/dnsmasq.leases`, `${expiry} 02:00:00:00:00:01 192.168.100.77 vm1 *\n`);
    try {
      const { backend, notAdopted } = nextBroker();
      const adopted = await backend.adoptLeftovers!();
      await backend.reclaimLeftovers();
      expect(notAdopted).toEqual([]);
      expect(adopted).toHaveLength(1);
      const [taken] = adopted;
      bed.networks.push(taken!.network);
      expect(taken!.network.info).toEqual(network.info);
      expect(taken!.interfaces.map((i) => [i.name, i.ownerUid, i.guestMac])).toEqual([[tap.name, 1000, "02:00:00:00:00:01"]]);
      expect(taken!.sameDefinition(networkConfig("shared"))).toBe(true);
      expect(taken!.sameDefinition(networkConfig("shared", { mtu: 1400 }))).toBe(false);
      expect(await linkNames()).toEqual(expect.arrayContaining(["vmbr-shared", tap.name]));
      expect(await nftRuleset()).toContain("vmnet_broker_shared");
      expect(processAlive(oldPid)).toBe(false);
      expect((await taken!.network.leases()).map((l) => l.ip)).toContain("192.168.100.77");
      // The record names the new dnsmasq once the core persists the interfaces.
      await taken!.network.noteInterfaces!(taken!.interfaces);
      const newPid = JSON.parse(readFileSync(recordPath(), "utf8")).dnsmasq.pid as number;
      expect(newPid).not.toBe(oldPid);
      expect(processAlive(newPid)).toBe(true);
    } finally {
      linuxNative().closeFd(tap.fds[0]!);
    }
  });

  it("reclaims a network whose interfaces are all gone, quietly", async () => {
    const { tap } = await leftBehind();
    linuxNative().closeFd(tap.fds[0]!);
    const { backend, notAdopted } = nextBroker();
    expect(await backend.adoptLeftovers!()).toEqual([]);
    await backend.reclaimLeftovers();
    expect(notAdopted).toMatchObject([{ suspicious: false, reason: expect.stringMatching(/no recorded interface/) }]);
    expect(await linkNames()).not.toContain("vmbr-shared");
  });

  it("reclaims a named TAP (its connection ended with the old broker) and adopts the rest", async () => {
    const { network, tap } = await leftBehind();
    const named = await network.openTap!({ vnetHeader: false, queues: 1, ownerUid: 1000, ownerGid: 1000, named: true, vhostNet: false });
    await network.noteInterfaces!([
      { name: tap.name, kind: "tap", holder: "connection", ownerUid: 1000, guestMac: "02:00:00:00:00:01" },
      { name: named.name, kind: "tap", holder: "connection", ownerUid: 1000, guestMac: "02:00:00:00:00:02", named: true },
    ]);
    try {
      const { backend } = nextBroker();
      const adopted = await backend.adoptLeftovers!();
      await backend.reclaimLeftovers();
      bed.networks.push(...adopted.map((a) => a.network));
      expect(adopted.flatMap((a) => a.interfaces.map((i) => i.name))).toEqual([tap.name]);
      expect(await linkNames()).not.toContain(named.name);
    } finally {
      linuxNative().closeFd(tap.fds[0]!);
    }
  });

  it("reports and reclaims a corrupt record, and never touches what a foreign record names", async () => {
    const { tap } = await leftBehind();
    try {
      await runTool("ip", ["link", "add", "keepme0", "type", "veth", "peer", "name", "keepme1"]);
      await runTool("ip", ["link", "set", "keepme0", "master", "vmbr-shared"]);
      const record = JSON.parse(readFileSync(recordPath(), "utf8"));
      record.interfaces.push({ name: "keepme0", kind: "veth", holder: "interface", ownerUid: 0, guestMac: "" });
      writeFileSync(recordPath(), JSON.stringify(record));
      const { backend, notAdopted } = nextBroker();
      expect(await backend.adoptLeftovers!()).toEqual([]);
      await backend.reclaimLeftovers();
      expect(notAdopted).toMatchObject([{ suspicious: true, reason: expect.stringMatching(/"keepme0" is not one of ours/) }]);
      const links = await linkNames();
      expect(links).not.toContain("vmbr-shared");
      expect(links).not.toContain(tap.name);
      expect(links).toContain("keepme0");

      // Not JSON at all, from the broker that reclaimed.
      const made = await backend.createNetwork(networkConfig("shared"));
      bed.networks.push(made);
      const second = await made.openTap!({ vnetHeader: false, queues: 1, ownerUid: 0, ownerGid: 0, named: false, vhostNet: false });
      linuxNative().closeFd(second.fds[0]!);
      writeFileSync(recordPath(), "{");
      const again = nextBroker();
      expect(await again.backend.adoptLeftovers!()).toEqual([]);
      expect(again.notAdopted).toMatchObject([{ suspicious: true, reason: "bad record: not JSON" }]);
    } finally {
      linuxNative().closeFd(tap.fds[0]!);
    }
  });

  it("reclaims a network whose bridge lost the recorded subnet", async () => {
    const { tap } = await leftBehind();
    try {
      await runTool("ip", ["addr", "flush", "dev", "vmbr-shared"]);
      const { backend, notAdopted } = nextBroker();
      expect(await backend.adoptLeftovers!()).toEqual([]);
      expect(notAdopted).toMatchObject([{ suspicious: true, reason: expect.stringMatching(/recorded subnet/) }]);
    } finally {
      linuxNative().closeFd(tap.fds[0]!);
    }
  });
});

describe("watchInterfaces", () => {
  it("reports a TAP whose last fd closed and a deleted veth, not a port leaving its bridge", async () => {
    const network = await bed.create(networkConfig("shared"));
    const gone: string[] = [];
    const stop = bed.backend.watchInterfaces!((name) => gone.push(name));
    try {
      const tap = await network.openTap!({ vnetHeader: false, queues: 1, ownerUid: 0, ownerGid: 0, named: false, vhostNet: false });
      const other = await network.openTap!({ vnetHeader: false, queues: 1, ownerUid: 0, ownerGid: 0, named: false, vhostNet: false });
      await runTool("ip", ["link", "set", other.name, "nomaster"]);
      linuxNative().closeFd(tap.fds[0]!);
      for (let i = 0; i < 200 && gone.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
      expect(gone).toEqual([tap.name]);
      linuxNative().closeFd(other.fds[0]!);
      for (let i = 0; i < 200 && gone.length === 1; i++) await new Promise((r) => setTimeout(r, 5));
      expect(gone).toEqual([tap.name, other.name]);
    } finally {
      stop();
    }
  });
});
