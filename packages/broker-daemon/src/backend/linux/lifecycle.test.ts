// SPDX-License-Identifier: Apache-2.0
/** Nothing outlives a network: destroy(), and reclaimLeftovers() after a "kill -9". */
import { readdirSync, readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BackendNetwork } from "../../core/backend.js";
import { createLinuxBackend } from "./backend.js";
import { isOurInterface } from "./names.js";
import { linuxNative } from "./native.js";
import { linkNames, networkConfig, nftRuleset, processAlive, TestBed } from "./test-support.test-util.js";

const bed = new TestBed();
beforeEach(() => bed.setUp());
afterEach(() => bed.cleanUp());

/** A network with a TAP (fds kept open, as by a VM) and a veth into a guest. */
async function busyNetwork(name: string, mode: "shared" | "host" = "shared") {
  const network = await bed.backend.createNetwork(networkConfig(name, { mode }));
  // Cleaned up by the test bed even when the test fails half-way (destroy is idempotent).
  bed.networks.push(network);
  const tap = await network.openTap!({ vnetHeader: true, queues: 2, ownerUid: 0, ownerGid: 0, named: false, vhostNet: false });
  const guest = await bed.guest(`${name}-guest`);
  const fd = guest.openNetnsFd();
  const veth = await network.openVeth!({ netnsFd: fd, ifname: "eth0", peerUid: 0 });
  linuxNative().closeFd(fd);
  const pid = Number.parseInt(readFileSync(`${bed.runtimeDir}/linux/${name}/dnsmasq.pid`, "utf8"), 10);
  return { network, tap, veth, pid };
}

function isDnsmasqOf(pid: string, dir: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith(`dnsmasq\0--keep-in-foreground\0--conf-file=${dir}/`);
  } catch {
    return false;
  }
}

async function expectNothingLeft(pids: number[]): Promise<void> {
  expect((await linkNames()).filter(isOurInterface)).toEqual([]);
  expect(await nftRuleset()).not.toContain("vmnet_broker_");
  for (const pid of pids) expect(processAlive(pid)).toBe(false);
  expect(readdirSync(`${bed.runtimeDir}/linux`)).toEqual([]);
}

describe("destroy", () => {
  it("removes dnsmasq, the table, every interface, the bridge and the files", async () => {
    const { network, tap, veth, pid } = await busyNetwork("shared");
    expect(processAlive(pid)).toBe(true);
    expect(network.interfaceExists(veth.name)).toBe(true);
    try {
      await network.destroy();
      await expectNothingLeft([pid]);
      expect(network.interfaceExists(tap.name)).toBe(false);
      await network.destroy(); // twice is fine
    } finally {
      for (const fd of tap.fds) linuxNative().closeFd(fd);
    }
  });

  it("lets a destroyed network's name be created again", async () => {
    const first = await bed.backend.createNetwork(networkConfig("shared"));
    await first.destroy();
    const second: BackendNetwork = await bed.create(networkConfig("shared"));
    expect(second.info.bridge).toBe("vmbr-shared");
  });
});

describe("removeInterface", () => {
  it("removes a veth (both ends) and refuses names that are not a TAP or veth of ours", async () => {
    const { network, tap, veth } = await busyNetwork("shared");
    try {
      await network.removeInterface(veth.name);
      expect(network.interfaceExists(veth.name)).toBe(false);
      await network.removeInterface("vmbr-shared");
      await network.removeInterface("lo");
      expect(await linkNames()).toEqual(expect.arrayContaining(["lo", "vmbr-shared", tap.name]));
    } finally {
      for (const fd of tap.fds) linuxNative().closeFd(fd);
    }
  });
});

describe("reclaimLeftovers", () => {
  it("also stops a dnsmasq of ours that never wrote its pid file", async () => {
    const { mkdirSync, writeFileSync } = await import("node:fs");
    const { spawn } = await import("node:child_process");
    const dir = `${bed.runtimeDir}/linux/ghost`;
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/dnsmasq.conf`, "port=0\nkeep-in-foreground\n");
    const ghost = spawn("dnsmasq", ["--keep-in-foreground", `--conf-file=${dir}/dnsmasq.conf`], { stdio: "ignore" });
    const exited = new Promise((resolve) => ghost.once("exit", resolve));
    const pid = ghost.pid ?? -1;
    expect(processAlive(pid)).toBe(true);
    const reports: { dnsmasqPids: number[] }[] = [];
    await createLinuxBackend({ runtimeDir: bed.runtimeDir, onReclaimed: (r) => reports.push(r) }).reclaimLeftovers();
    await exited;
    expect(reports[0]?.dnsmasqPids).toEqual([pid]);
    expect(readdirSync(`${bed.runtimeDir}/linux`)).toEqual([]);
  });

  it("leaves alone a dnsmasq of another namespace that shares the runtime dir (another live broker)", async () => {
    const { mkdirSync, writeFileSync } = await import("node:fs");
    const { spawn } = await import("node:child_process");
    const elsewhere = await bed.guest("other-broker");
    const dir = `${bed.runtimeDir}/linux/other`;
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/dnsmasq.conf`, "port=0\n");
    const other = spawn(
      "nsenter",
      [`--net=${elsewhere.netnsPath}`, "--", "dnsmasq", "--keep-in-foreground", `--conf-file=${dir}/dnsmasq.conf`],
      {
        stdio: "ignore",
      },
    );
    try {
      for (let i = 0; i < 200 && !readdirSync("/proc").some((p) => isDnsmasqOf(p, dir)); i++) await new Promise((r) => setTimeout(r, 10));
      const pid = other.pid ?? -1;
      await createLinuxBackend({ runtimeDir: bed.runtimeDir }).reclaimLeftovers();
      expect(processAlive(pid)).toBe(true);
      expect(readdirSync(`${bed.runtimeDir}/linux`)).toEqual(["other"]);
    } finally {
      other.kill("SIGKILL");
    }
  });

  it("after the broker forgot everything (as after kill -9), leaves nothing", async () => {
    const shared = await busyNetwork("shared");
    const host = await busyNetwork("host", "host");
    // "kill -9": the objects are forgotten; a new broker starts with the same runtime dir.
    const next = createLinuxBackend({ runtimeDir: bed.runtimeDir });
    try {
      await next.reclaimLeftovers();
      await expectNothingLeft([shared.pid, host.pid]);
      // The new broker can create the same network again.
      const again = await next.createNetwork(networkConfig("shared"));
      bed.networks.push(again);
      expect(again.info.bridge).toBe("vmbr-shared");
    } finally {
      for (const fd of [...shared.tap.fds, ...host.tap.fds]) linuxNative().closeFd(fd);
    }
  });

  it("reports what it removed and leaves other interfaces and tables alone", async () => {
    const reports: unknown[] = [];
    await bed.backend.createNetwork(networkConfig("shared"));
    const { runTool } = await import("./run-tool.js");
    await runTool("ip", ["link", "add", "vmbr0", "type", "bridge"]); // Proxmox-style name: not ours
    await runTool("nft", ["add", "table", "inet", "someone_else"]);
    const next = createLinuxBackend({ runtimeDir: bed.runtimeDir, onReclaimed: (r) => reports.push(r) });
    await next.reclaimLeftovers();
    expect(reports).toEqual([expect.objectContaining({ tables: ["vmnet_broker_shared"], interfaces: ["vmbr-shared"] })]);
    expect(await linkNames()).toContain("vmbr0");
    expect(await nftRuleset()).toContain("someone_else");
  });
});
