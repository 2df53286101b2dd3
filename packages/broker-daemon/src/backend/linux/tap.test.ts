// SPDX-License-Identifier: Apache-2.0
/** TAP devices from the addon, attached to a real bridge (fresh namespace per test). */
import { existsSync, fstatSync, read, statSync, write } from "node:fs";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { arpReplySender, arpRequest } from "./arp.test-util.js";
import { linuxNative } from "./native.js";
import { runTool } from "./run-tool.js";
import { openTapOnBridge, VHOST_NET } from "./tap.js";
import { networkConfig, TestBed } from "./test-support.test-util.js";

const readAsync = promisify(read);
const writeAsync = promisify(write);

const bed = new TestBed();
beforeEach(() => bed.setUp());
afterEach(() => bed.cleanUp());

interface TapDetails {
  master?: string;
  mtu: number;
  operstate: string;
  flags: string[];
  linkinfo?: { info_data?: { multi_queue?: boolean; vnet_hdr?: boolean; pi?: boolean; user?: string } };
}

async function details(name: string): Promise<TapDetails> {
  const parsed = JSON.parse(await runTool("ip", ["-j", "-d", "link", "show", "dev", name])) as TapDetails[];
  return parsed[0]!;
}

describe("openTap", () => {
  it("returns a TAP enslaved to the bridge, up, with the bridge's MTU", async () => {
    const network = await bed.create(networkConfig("shared", { mtu: 1400 }));
    const tap = await network.openTap!({ vnetHeader: false, queues: 1, ownerUid: 0, ownerGid: 0, named: false, vhostNet: false });
    try {
      expect(tap.name).toMatch(/^vmtap-[0-9a-f]{8}$/);
      expect(tap.fds).toHaveLength(1);
      expect(tap.mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
      const info = await details(tap.name);
      expect(info.master).toBe("vmbr-shared");
      expect(info.mtu).toBe(1400);
      expect(info.flags).toContain("UP");
      expect(network.interfaceExists(tap.name)).toBe(true);
    } finally {
      for (const fd of tap.fds) linuxNative().closeFd(fd);
    }
    // Not persistent: the device went away with its last fd.
    expect(network.interfaceExists(tap.name)).toBe(false);
  });

  it("carries frames: an ARP who-has for the gateway written to the fd gets the reply", async () => {
    const network = await bed.create(networkConfig("shared"));
    const tap = await network.openTap!({ vnetHeader: false, queues: 1, ownerUid: 0, ownerGid: 0, named: false, vhostNet: false });
    const fd = tap.fds[0]!;
    try {
      const senderIp = network.info.subnet.replace(/\.0$/, ".200");
      await writeAsync(fd, arpRequest("02:00:00:00:00:c8", senderIp, network.info.gateway));
      const buffer = Buffer.alloc(65536);
      let replyFrom: string | undefined;
      // Other frames (IPv6 multicast from the bridge) may come first; bounded loop.
      for (let i = 0; i < 50 && replyFrom === undefined; i++) {
        const { bytesRead } = await readAsync(fd, buffer, 0, buffer.length, null);
        replyFrom = arpReplySender(buffer.subarray(0, bytesRead));
      }
      expect(replyFrom).toBe(network.info.gateway);
    } finally {
      linuxNative().closeFd(fd);
    }
  });

  it("returns one fd per queue for a multi-queue TAP with a vnet header", async () => {
    const network = await bed.create(networkConfig("shared"));
    const tap = await network.openTap!({ vnetHeader: true, queues: 4, ownerUid: 0, ownerGid: 0, named: false, vhostNet: false });
    try {
      expect(tap.fds).toHaveLength(4);
      expect(new Set(tap.fds).size).toBe(4);
      const data = (await details(tap.name)).linkinfo?.info_data;
      expect(data?.multi_queue).toBe(true);
      expect(data?.vnet_hdr).toBe(true);
      expect(data?.pi).toBe(false);
    } finally {
      for (const fd of tap.fds) linuxNative().closeFd(fd);
    }
  });

  it("sets the owner with TUNSETOWNER", async () => {
    const network = await bed.create(networkConfig("shared"));
    const tap = await network.openTap!({ vnetHeader: false, queues: 1, ownerUid: 4242, ownerGid: 4343, named: false, vhostNet: false });
    try {
      const data = (await details(tap.name)).linkinfo?.info_data as Record<string, unknown> | undefined;
      expect(String(data?.user)).toBe("4242");
      expect(String(data?.group)).toBe("4343");
    } finally {
      for (const fd of tap.fds) linuxNative().closeFd(fd);
    }
  });

  it("removeInterface deletes a TAP whose fds are still open", async () => {
    const network = await bed.create(networkConfig("shared"));
    const tap = await network.openTap!({ vnetHeader: false, queues: 2, ownerUid: 0, ownerGid: 0, named: false, vhostNet: false });
    try {
      await network.removeInterface(tap.name);
      expect(network.interfaceExists(tap.name)).toBe(false);
      await network.removeInterface(tap.name); // already gone: a no-op
    } finally {
      for (const fd of tap.fds) linuxNative().closeFd(fd);
    }
  });
});

describe("named TAPs", () => {
  it("are persistent, owned by the peer, multi-queue with a vnet header as asked, and removed by removeInterface", async () => {
    const network = await bed.create(networkConfig("shared"));
    const tap = await network.openTap!({ vnetHeader: true, queues: 2, ownerUid: 4242, ownerGid: 4343, named: true, vhostNet: false });
    expect(tap.fds).toEqual([]);
    // No fd is open anywhere, yet the device stays, on the bridge, up.
    const info = await details(tap.name);
    expect(info.master).toBe("vmbr-shared");
    expect(info.flags).toContain("UP");
    const data = info.linkinfo?.info_data as Record<string, unknown> | undefined;
    expect(data).toMatchObject({ multi_queue: true, vnet_hdr: true, persist: true });
    expect(String(data?.user)).toBe("4242");
    expect(String(data?.group)).toBe("4343");
    await network.removeInterface(tap.name);
    expect(network.interfaceExists(tap.name)).toBe(false);
  });

  it("are not left behind when setting them up fails", async () => {
    const network = await bed.create(networkConfig("shared"));
    const before = (await runTool("ip", ["-o", "link", "show"])).split("\n").length;
    // A bridge that does not exist fails after the device was made persistent.
    await expect(
      openTapOnBridge("vmbr-nosuch", 1500, {
        vnetHeader: false,
        queues: 1,
        ownerUid: 0,
        ownerGid: 0,
        named: true,
        vhostNet: false,
      }),
    ).rejects.toThrow(/SIOCBRADDIF vmbr-nosuch failed: ENODEV/);
    expect((await runTool("ip", ["-o", "link", "show"])).split("\n").length).toBe(before);
    expect(network.interfaceExists("vmbr-shared")).toBe(true);
  });
});

describe("vhost-net fds", () => {
  const present = existsSync(VHOST_NET);
  it.skipIf(!present)(`are ${VHOST_NET}, one per queue (needs ${VHOST_NET}; this host has ${present ? "it" : "none"})`, async () => {
    const network = await bed.create(networkConfig("shared"));
    const tap = await network.openTap!({ vnetHeader: true, queues: 2, ownerUid: 0, ownerGid: 0, named: false, vhostNet: true });
    try {
      expect(tap.vhostFds).toHaveLength(2);
      for (const fd of tap.vhostFds ?? []) expect(fstatSync(fd).rdev).toBe(statSync(VHOST_NET).rdev);
    } finally {
      for (const fd of [...tap.fds, ...(tap.vhostFds ?? [])]) linuxNative().closeFd(fd);
    }
  });

  it.skipIf(present)(
    `are refused as Unsupported, naming ${VHOST_NET}, before any TAP exists (runs where ${VHOST_NET} is absent)`,
    async () => {
      const network = await bed.create(networkConfig("shared"));
      const before = await runTool("ip", ["-o", "link", "show"]);
      await expect(
        network.openTap!({ vnetHeader: true, queues: 1, ownerUid: 0, ownerGid: 0, named: false, vhostNet: true }),
      ).rejects.toMatchObject({ name: "Unsupported", message: expect.stringContaining(VHOST_NET) });
      expect(await runTool("ip", ["-o", "link", "show"])).toBe(before);
    },
  );
});

describe("native argument checks", () => {
  it("rejects bad arguments with a TypeError naming the usage", () => {
    const native = linuxNative();
    expect(() =>
      native.openTap({ name: "x".repeat(16), vnetHeader: false, queues: 1, ownerUid: 0, ownerGid: 0, persistent: false }),
    ).toThrow(/openTap\(\{name: string.*name must have 1 to 15 bytes/);
    expect(() => native.openTap({ name: "t", vnetHeader: false, queues: 0, ownerUid: 0, ownerGid: 0, persistent: false })).toThrow(
      TypeError,
    );
    expect(() => native.openTap({ name: "t", vnetHeader: false, queues: 1, ownerUid: 0, ownerGid: 0 } as never)).toThrow(
      /persistent must be a boolean/,
    );
    expect(() => native.setMtu("lo", 10)).toThrow(/mtu must be an integer/);
    expect(() => native.closeFd(-1)).toThrow(TypeError);
  });

  it("names the failing syscall", () => {
    expect(() => linuxNative().addToBridge("nosuchbr", "lo")).toThrow(/SIOCBRADDIF nosuchbr failed: ENODEV/);
    expect(() => linuxNative().macAddress("nosuchif")).toThrow(/SIOCGIFHWADDR nosuchif failed: ENODEV/);
    expect(linuxNative().interfaceIndex("nosuchif")).toBe(0);
  });
});
