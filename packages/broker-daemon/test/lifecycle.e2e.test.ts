// SPDX-License-Identifier: Apache-2.0
// Leases through process exit and kill -9, idle removal and its cancellation,
// many concurrent clients, and broker kill -9 + restart leaving nothing behind.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { closeSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, TestBroker } from "./harness/broker.js";
import { addNetns, netnsPids, removeNetns } from "./harness/named-netns.js";

/** A `vmnet-broker acquire` process holding networks until it is killed. */
async function holder(broker: TestBroker, ...names: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, "acquire", "--socket", broker.socket, ...names], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.on("data", (d) => (out += d));
  child.stderr?.on("data", (d) => (out += d));
  const deadline = Date.now() + 15_000;
  while (!out.includes("holding")) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`acquire did not hold: ${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return child;
}
const refs = (s: Awaited<ReturnType<TestBroker["status"]>>, name: string) => s.networks.find((n) => n.network?.name === name)?.references;
const exited = (child: ChildProcess) => new Promise((resolve) => child.once("exit", resolve));

describe("leases and idle removal (live broker)", () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await TestBroker.start({ idleDelayMs: 1500 });
  });
  afterAll(async () => {
    await broker.dispose();
  });

  it("releases on clean exit and on kill -9, then removes the network after the idle delay", async () => {
    const a = await holder(broker, "shared");
    const b = await holder(broker, "shared");
    expect(refs(await broker.status(), "shared")).toBe(2);
    a.kill("SIGTERM");
    await exited(a);
    await broker.waitFor((s) => refs(s, "shared") === 1, "release on exit");
    b.kill("SIGKILL");
    await exited(b);
    const idle = await broker.waitFor((s) => refs(s, "shared") === 0, "release on kill -9");
    expect(Number(idle.networks[0]?.removalInMs)).toBeGreaterThan(0);
    const bridge = idle.networks[0]?.network?.bridge as string;
    expect(broker.links()).toContain(bridge);
    await broker.waitFor((s) => s.networks.every((n) => !n.live), "idle removal");
    expect(broker.links()).not.toContain(bridge);
    expect(broker.nftTables()).toEqual([]);
    expect(broker.namespaceProcesses()).not.toContain("dnsmasq");
  });

  it("cancels the removal when the network is acquired again during the delay", async () => {
    const a = await holder(broker, "host");
    const first = (await broker.status()).networks.find((n) => n.network?.name === "host")?.network?.bridge;
    a.kill("SIGKILL");
    await exited(a);
    await broker.waitFor((s) => refs(s, "host") === 0, "release");
    const b = await holder(broker, "host");
    await new Promise((r) => setTimeout(r, 2000));
    const status = await broker.status();
    expect(refs(status, "host")).toBe(1);
    expect(status.networks.find((n) => n.network?.name === "host")?.network?.bridge).toBe(first);
    expect(status.counters?.networksRemoved).toBe(1n);
    b.kill("SIGKILL");
    await exited(b);
  });

  it("serves 200 concurrent clients acquiring and releasing, leaking nothing", async () => {
    const clients = await Promise.all(Array.from({ length: 200 }, () => broker.connect()));
    const networks = await Promise.all(clients.map((c, i) => c.acquireNetwork(i % 2 ? "shared" : "host")));
    expect(new Set(networks.map((n) => n.bridge)).size).toBe(2);
    const busy = await broker.status();
    expect(busy.peers.filter((p) => p.networks.length > 0)).toHaveLength(200);
    expect(refs(busy, "shared")).toBe(100);
    for (const c of clients) c.close();
    // The status query itself is the only peer left, and status leaves the asker out.
    await broker.waitFor((s) => s.peers.length === 0, "all peers gone");
    await broker.waitFor((s) => s.networks.every((n) => !n.live), "idle removal");
    expect(broker.links()).toEqual([]);
    expect(broker.nftTables()).toEqual([]);
    // The broker's own fds are back where an idle broker has them.
    const fds = execFileSync("ls", [`/proc/${broker.pid}/fd`], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean).length;
    expect(fds).toBeLessThan(40);
  });
});

describe("sandboxed broker kill -9", () => {
  it("takes its dnsmasq and its whole namespace with it", async () => {
    const broker = await TestBroker.start();
    const client = await broker.connect();
    await client.acquireNetwork("shared");
    const netns = readlinkSync(`/proc/${broker.pid}/ns/net`);
    expect(broker.namespaceProcesses()).toContain("dnsmasq");
    await broker.kill9();
    client.close();
    const deadline = Date.now() + 5000;
    const survivors = () =>
      readdirSync("/proc")
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
          try {
            return readlinkSync(`/proc/${p}/ns/net`) === netns;
          } catch {
            return false;
          }
        });
    while (survivors().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(survivors()).toEqual([]);
    await broker.dispose();
  });
});

describe("broker kill -9 and restart (live broker, --host in a test namespace)", () => {
  const netns = `vmnet-broker-e2e-${process.pid}`;
  let dir: string;
  beforeAll(() => {
    addNetns(netns);
    dir = mkdtempSync(join(tmpdir(), "vmnet-broker-restart-"));
  });
  afterAll(() => {
    // Whatever a failed test left running in the namespace goes first.
    removeNetns(netns);
    rmSync(dir, { recursive: true, force: true });
  });
  const inNs = (...args: string[]) => execFileSync("ip", ["netns", "exec", netns, ...args], { encoding: "utf8" });

  it("reclaims every bridge, nft table, dnsmasq and TAP a killed broker left with nothing attached", async () => {
    const first = await TestBroker.start({ inNetns: netns, dir });
    const client = await first.connect();
    const network = await client.acquireNetwork("shared");
    const tap = await client.openTap("shared", { queues: 1 });
    expect(inNs("ip", "-o", "link")).toContain(network.bridge);
    expect(inNs("nft", "list", "tables")).not.toBe("");
    await first.kill9();
    // dnsmasq dies with the broker (parent-death signal); the bridge, the nft table
    // and the TAP (this test holds its fd) are still there for the next broker.
    expect(inNs("ip", "-o", "link")).toContain(network.bridge);
    expect(inNs("ip", "-o", "link")).toContain(tap.name);
    expect(inNs("nft", "list", "tables").trim()).not.toBe("");
    client.close();
    // With the TAP gone nothing is attached: the next broker reclaims instead of
    // adopting (restart.e2e.test.ts covers adoption).
    for (const fd of tap.fds) closeSync(fd);

    const second = await TestBroker.start({ inNetns: netns, dir });
    const links = inNs("ip", "-o", "link");
    expect(links).not.toContain(network.bridge);
    expect(links).not.toContain(tap.name);
    expect(inNs("nft", "list", "tables").trim()).toBe("");
    const pids = netnsPids(netns);
    expect(pids).toEqual([second.pid]);
    await second.stop();
    expect(
      inNs("ip", "-o", "link")
        .split("\n")
        .filter((l) => l && !l.includes(" lo:")),
    ).toEqual([]);
  });
});
