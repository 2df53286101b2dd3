// SPDX-License-Identifier: Apache-2.0
// Finding a VM's address and following the broker live, against the real daemon in
// its sandbox: a lease look-up made before the guest exists returns the address the
// guest then takes by DHCP; an events subscriber sees the same lease; an
// unprivileged uid may not look up a network it may not acquire and sees none of
// root's events.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { closeSync } from "node:fs";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import type { BrokerClient, BrokerEvent, EventStream } from "@vmnet-broker/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquireDhcpLease, createGuest, type Guest } from "../src/sandbox/index.js";
import { CLI, TestBroker } from "./harness/broker.js";

const run = promisify(execFile);
const USER = 4242;
const asUser = ["--reuid", String(USER), "--regid", String(USER), "--clear-groups", process.execPath, CLI];
const GUEST_MAC = "52:54:00:16:16:01";

/** Runs the CLI as uid 4242; resolves with its exit status and output. */
async function cliAsUser(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run("setpriv", [...asUser, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("leases and events (live broker)", () => {
  let broker: TestBroker;
  const clients: BrokerClient[] = [];
  const guests: Guest[] = [];
  let stream: EventStream;
  let watcher: ChildProcess;
  const userEvents: Record<string, unknown>[] = [];

  beforeAll(async () => {
    broker = await TestBroker.start({
      idleDelayMs: 60_000,
      networks: { rootonly: { mode: "host", allowed_users: [0] } },
      extraArgs: ["--socket-mode", "0666"],
    });
    // uid 4242 follows events from the start (as `vmnet-broker events --json`).
    watcher = spawn("setpriv", [...asUser, "events", "--json", "--socket", broker.socket], { stdio: ["ignore", "pipe", "inherit"] });
    createInterface({ input: watcher.stdout as NodeJS.ReadableStream }).on("line", (line) => userEvents.push(JSON.parse(line)));
    await broker.waitForLog((line) => line.includes("subscribed"), "uid 4242's subscription");
  });

  afterAll(async () => {
    watcher?.kill();
    stream?.close();
    for (const c of clients) c.close();
    for (const g of guests) await g.remove();
    await broker?.dispose();
  });

  async function client(): Promise<BrokerClient> {
    const c = await broker.connect();
    clients.push(c);
    return c;
  }

  it("answers a wait made before the guest exists with the address the guest then takes", async () => {
    stream = await (await client()).events();
    const seen: BrokerEvent[] = [];
    const leaseSeen = (async () => {
      for await (const event of stream) {
        seen.push(event);
        if (event.type === "lease-added" && event.lease?.mac === GUEST_MAC) return event;
      }
      return undefined;
    })();
    const waiter = await client();
    const waiting = waiter.waitForLease("shared", GUEST_MAC.toUpperCase(), { timeoutMs: 60_000 });

    const guest = await createGuest("leased");
    guests.push(guest);
    const holder = await client();
    await holder.acquireNetwork("shared");
    await holder.acquireNetwork("rootonly");
    const fd = guest.openNetnsFd();
    try {
      await holder.openVeth("shared", fd, "eth0");
    } finally {
      closeSync(fd);
    }
    await guest.run("ip", ["link", "set", "eth0", "address", GUEST_MAC]);
    const dhcp = await acquireDhcpLease(guest, "eth0");

    // The wait ends with the guest's lease, not with its own 60 s timeout (which
    // would be NOT_FOUND); how soon is bench/lease-latency.mjs's business.
    const lease = await waiting;
    expect(lease).toMatchObject({ network: "shared", mac: GUEST_MAC, ip: dhcp.ip });

    const event = await leaseSeen;
    expect(event?.lease).toMatchObject({ mac: GUEST_MAC, ip: dhcp.ip, network: "shared" });
    const types = seen.map((e) => `${e.type} ${e.network}`);
    expect(types).toContain("network-created shared");
    expect(types.indexOf("network-created shared")).toBeLessThan(types.indexOf("lease-added shared"));
    expect(seen.map((e) => e.sequence)).toEqual([...seen.map((e) => e.sequence)].sort((a, b) => Number(a - b)));
  });

  it("answers a look-up without a lease NOT_FOUND (exit 5), and refuses uid 4242 a network it may not acquire (exit 3)", async () => {
    const none = await cliAsUser(["lease", "--socket", broker.socket, "shared", "52:54:00:16:16:99"]);
    expect(none.code).toBe(5);
    const found = await cliAsUser(["lease", "--socket", broker.socket, "--json", "shared", GUEST_MAC]);
    expect(found.code).toBe(0);
    // Another user's guest: its address (anyone on the network can ARP it), not its host name.
    expect(JSON.parse(found.stdout)).toMatchObject({ mac: GUEST_MAC, network: "shared", hostname: "" });
    const refused = await cliAsUser(["lease", "--socket", broker.socket, "--wait", "1", "rootonly", GUEST_MAC]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain("not allowed");
  });

  it("shows uid 4242 none of root's events: only shared being created", async () => {
    // Root's own peers, interface and lease came and went meanwhile; make sure
    // anything 4242 could see has arrived.
    const own = await cliAsUser(["lease", "--socket", broker.socket, "shared", "52:54:00:16:16:98"]);
    expect(own.code).toBe(5);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const described = userEvents.map((e) => `${e.type} ${e.network}${e.uid === undefined || e.uid === USER ? "" : ` uid=${e.uid}`}`);
    expect(described.filter((d) => !d.startsWith("peer-"))).toEqual(["network-created shared"]);
    expect(described.filter((d) => d.includes("uid=")).length).toBe(0);
  });
});
