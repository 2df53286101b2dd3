// SPDX-License-Identifier: Apache-2.0
// A broker restart must not cut anyone off: a guest namespace on a veth pings a
// process holding a TAP, both opened with LEASE_HOLDER_INTERFACE, while the broker
// is stopped with SIGTERM, killed with kill -9, and replaced by another build. No
// ping may be lost; each new broker adopts the network (same subnet, lease file,
// interfaces); once the holders go, it is removed and nothing is left.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LeaseHolder, Request } from "@vmnet-broker/client/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquireDhcpLease, createGuest, type Guest } from "../src/sandbox/index.js";
import { eventually, TestConnection } from "../src/transport/unix/test-client.test-util.js";
import { TestBroker } from "./harness/broker.js";
import { addNetns, netnsPids, removeNetns } from "./harness/named-netns.js";

const PACKAGE = join(import.meta.dirname, "..");
const RESPONDER = join(import.meta.dirname, "harness/tap-responder.mjs");
const IDLE_MS = 1500;

/** A veth into the guest, held by the interface; the connection is closed after. */
async function heldVeth(broker: TestBroker, guest: Guest): Promise<string> {
  const conn = new TestConnection(broker.socket);
  const fd = guest.openNetnsFd();
  conn.send({ id: 1, command: { $case: "acquire", value: { networkName: "shared" } } });
  conn.send(
    Request.fromPartial({
      id: 2,
      command: {
        $case: "openInterface",
        value: { networkName: "shared", kind: { $case: "veth", value: { ifname: "eth0", holder: LeaseHolder.LEASE_HOLDER_INTERFACE } } },
      },
    }),
    [fd],
  );
  await eventually(() => conn.replies.length === 2, "veth reply");
  closeSync(fd);
  conn.endpoint.close();
  const result = conn.replies[1]?.reply.result;
  if (result?.$case !== "interface") throw new Error(`veth failed: ${JSON.stringify(result)}`);
  expect(result.value.holder).toBe(LeaseHolder.LEASE_HOLDER_INTERFACE);
  return result.value.name;
}

/** The TAP holder: a child that answers ARP and ping on its TAP, with no connection open. */
async function tapResponder(broker: TestBroker, ip: string): Promise<{ child: ChildProcess; name: string; guestMac: string }> {
  const child = spawn("setpriv", ["--pdeathsig", "KILL", "--", process.execPath, RESPONDER, broker.socket, "shared", ip], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d) => (out += d));
  child.stderr?.on("data", (d) => (out += d));
  await eventually(() => out.includes("\n") || child.exitCode !== null, "TAP responder", 10_000);
  const { name, guestMac } = JSON.parse(out.split("\n")[0] as string) as { name: string; guestMac: string };
  return { child, name, guestMac };
}

/** `ping -i 0.05` from the guest, recording which sequence numbers came back. */
function continuousPing(guest: Guest, address: string) {
  const child = spawn("nsenter", [`--net=${guest.netnsPath}`, "--", "ping", "-n", "-i", "0.05", address], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  const replies = new Set<number>();
  let text = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    text += chunk;
    const lines = text.split("\n");
    text = lines.pop() ?? "";
    for (const line of lines) {
      const seq = /icmp_seq=(\d+)/.exec(line);
      if (seq && line.includes("bytes from")) replies.add(Number(seq[1]));
    }
  });
  return {
    replies,
    /** Stops pinging; the sequence numbers that never came back. */
    async stop(): Promise<number[]> {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGINT");
      await exited;
      const last = Math.max(...replies);
      return Array.from({ length: last }, (_, i) => i + 1).filter((seq) => !replies.has(seq));
    },
  };
}

describe("broker restarts keep VMs connected (live broker, --host in a test namespace)", () => {
  const netns = `vmnet-broker-restart-${process.pid}`;
  let dir: string;
  let oldBuild: string;
  beforeAll(() => {
    addNetns(netns);
    dir = mkdtempSync(join(tmpdir(), "vmnet-broker-restart-"));
    // "Another build": a copy of this one (dist, addon, package.json) inside the
    // package, so that its imports resolve through the same node_modules.
    oldBuild = mkdtempSync(join(PACKAGE, ".restart-old-build-"));
    cpSync(join(PACKAGE, "dist"), join(oldBuild, "dist"), { recursive: true });
    mkdirSync(join(oldBuild, "build/Release"), { recursive: true });
    cpSync(join(PACKAGE, "build/Release/vmnet_broker_daemon.node"), join(oldBuild, "build/Release/vmnet_broker_daemon.node"));
    cpSync(join(PACKAGE, "package.json"), join(oldBuild, "package.json"));
  });
  afterAll(() => {
    removeNetns(netns);
    rmSync(dir, { recursive: true, force: true });
    rmSync(oldBuild, { recursive: true, force: true });
  });
  const inNs = (...args: string[]) => execFileSync("ip", ["netns", "exec", netns, ...args], { encoding: "utf8" });
  const start = (cli?: string) => TestBroker.start({ inNetns: netns, dir, idleDelayMs: IDLE_MS, ...(cli ? { cli } : {}) });

  it("survives SIGTERM, kill -9 and an upgrade without a lost ping, then removes the network once its holders go", async () => {
    const old = join(oldBuild, "dist/cli/main.js");
    let broker = await start(old);
    const guest = await createGuest("restart-guest");
    try {
      const vethName = await heldVeth(broker, guest);
      const lease = await acquireDhcpLease(guest, "eth0");
      const network = (await broker.status()).networks.find((n) => n.network?.name === "shared")?.network;
      if (network === undefined) throw new Error("shared is not live");
      const tapIp = network.gateway.replace(/\.1$/, ".250");
      const responder = await tapResponder(broker, tapIp);
      expect(responder.guestMac).toMatch(/^[0-9a-f][2367abef](:[0-9a-f]{2}){5}$/);
      const ping = continuousPing(guest, tapIp);
      await eventually(() => ping.replies.size >= 5, "first replies", 10_000);

      const restarts: [string, () => Promise<unknown>, string | undefined][] = [
        ["SIGTERM", () => broker.stop(), old],
        ["kill -9", () => broker.kill9(), old],
        // The old build was running; this one takes over (an upgrade).
        ["upgrade", () => broker.stop(), undefined],
      ];
      for (const [how, stop, cli] of restarts) {
        await stop();
        // A stop (not kill -9) keeps the network and says so.
        if (how !== "kill -9") expect(broker.log.join("\n"), how).toMatch(/event=network-kept network=shared/);
        broker = await start(cli);
        const status = await broker.status();
        const shared = status.networks.find((n) => n.network?.name === "shared");
        expect(shared, how).toMatchObject({ adopted: true, references: 0, interfaceReferences: 2, live: true });
        expect(shared?.network.subnet, how).toBe(network.subnet);
        expect(shared?.network.bridge, how).toBe(network.bridge);
        expect(shared?.interfaces.map((i) => [i.name, i.holder]).sort(), how).toEqual(
          [
            [vethName, LeaseHolder.LEASE_HOLDER_INTERFACE],
            [responder.name, LeaseHolder.LEASE_HOLDER_INTERFACE],
          ].sort(),
        );
        expect(
          shared?.leases.map((l) => l.ip),
          how,
        ).toContain(lease.ip);
        // A reconnecting client gets the same network.
        const client = await broker.connect();
        expect((await client.acquireNetwork("shared")).subnet, how).toBe(network.subnet);
        client.close();
        const seen = ping.replies.size;
        await eventually(() => ping.replies.size >= seen + 10, `replies after ${how}`, 10_000);
        expect(broker.log.join("\n"), how).toMatch(/event=network-adopted network=shared/);
      }
      expect(await ping.stop()).toEqual([]);
      // DHCP still answers from the adopted network's new dnsmasq.
      expect((await acquireDhcpLease(guest, "eth0")).ip).toBe(lease.ip);

      responder.child.kill("SIGKILL");
      await guest.remove();
      await broker.waitFor((s) => s.networks.every((n) => !n.live), "removal once the holders are gone");
      expect(
        inNs("ip", "-o", "link")
          .split("\n")
          .filter((l) => l && !l.includes(" lo:")),
      ).toEqual([]);
      expect(inNs("nft", "list", "tables").trim()).toBe("");
      const pids = netnsPids(netns);
      expect(pids).toEqual([broker.pid]);
      const runDir = join(dir, "run", "linux");
      expect(existsSync(runDir) ? readdirSync(runDir) : []).toEqual([]);
      await broker.stop();
    } finally {
      await guest.remove();
      await broker.stop();
    }
  });

  it("with --remove-networks-on-stop, refuses one SIGTERM while peers are connected, then removes everything", async () => {
    const broker = await TestBroker.start({ inNetns: netns, dir, extraArgs: ["--remove-networks-on-stop"] });
    const client = await broker.connect();
    await client.acquireNetwork("shared");
    const tap = await client.openTap("shared");
    broker.process.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    expect(broker.process.exitCode).toBeNull();
    expect(broker.log.join("\n")).toMatch(/event=stop-refused/);
    broker.process.kill("SIGTERM");
    expect(await broker.exited).toBe(0);
    for (const fd of tap.fds) closeSync(fd);
    client.close();
    expect(
      inNs("ip", "-o", "link")
        .split("\n")
        .filter((l) => l && !l.includes(" lo:")),
    ).toEqual([]);
    expect(inNs("nft", "list", "tables").trim()).toBe("");
  });
});
