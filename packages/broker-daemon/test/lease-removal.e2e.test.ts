// SPDX-License-Identifier: Apache-2.0
// Leases that end, against the real daemon in its sandbox with its real dnsmasq:
// a guest that releases its lease (busybox udhcpc -R, DHCPRELEASE on exit) is
// reported lease-expired to a subscriber and is no longer found; a look-up that
// waits while its network is removed, or while the broker (and so its dnsmasq)
// goes away, gets an error at once instead of running to its timeout; a dnsmasq
// that dies is started again, and a waiting look-up is answered through the new one.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { type BrokerClient, BrokerError, type BrokerEvent, ErrorCode } from "@vmnet-broker/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquireDhcpLease, createGuest, type Guest } from "../src/sandbox/index.js";
import { TestBroker } from "./harness/broker.js";

const SCRIPT = join(import.meta.dirname, "../demo/udhcpc.script");
const RELEASING_MAC = "52:54:00:16:17:01";
// Long enough for a look-up sent before the holder leaves to reach the broker first.
const IDLE_DELAY_MS = 2_000;

/** Resolves with the rejection's BrokerError code (fails the test if it resolved). */
async function codeOf(promise: Promise<unknown>): Promise<{ code: ErrorCode; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BrokerError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("expected the request to fail");
}

describe("leases that end (live broker)", () => {
  let broker: TestBroker;
  const clients: BrokerClient[] = [];
  const guests: Guest[] = [];
  const events: BrokerEvent[] = [];
  let udhcpc: ChildProcess | undefined;

  beforeAll(async () => {
    broker = await TestBroker.start({ idleDelayMs: IDLE_DELAY_MS, networks: { lab: { mode: "host" } } });
    const stream = await (await client()).events();
    void (async () => {
      for await (const event of stream) events.push(event);
    })().catch(() => {
      // The last test kills the broker: the stream ends with a transport error.
    });
  });

  afterAll(async () => {
    udhcpc?.kill("SIGKILL");
    for (const c of clients) c.close();
    for (const g of guests) await g.remove();
    await broker?.dispose();
  });

  async function client(): Promise<BrokerClient> {
    const c = await broker.connect();
    clients.push(c);
    return c;
  }

  /** Waits (bounded) until the subscriber has seen an event matching `match`. */
  async function seen(match: (event: BrokerEvent) => boolean, what: string): Promise<BrokerEvent> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const found = events.find(match);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`no ${what} event; saw: ${events.map((e) => `${e.type} ${e.network}`).join(", ")}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it("reports a lease the guest releases as expired, and no longer finds it", async () => {
    const holder = await client();
    await holder.acquireNetwork("shared");
    const guest = await createGuest("releasing");
    guests.push(guest);
    const fd = guest.openNetnsFd();
    try {
      await holder.openVeth("shared", fd, "eth0");
    } finally {
      closeSync(fd);
    }
    await guest.run("ip", ["link", "set", "eth0", "address", RELEASING_MAC]);
    const waiting = (await client()).waitForLease("shared", RELEASING_MAC, { timeoutMs: 60_000 });
    // Stays in the foreground with its lease; -R sends DHCPRELEASE when it is stopped.
    udhcpc = spawn(
      "nsenter",
      [`--net=${guest.netnsPath}`, "busybox", "udhcpc", "-i", "eth0", "-f", "-R", "-t", "20", "-T", "1", "-s", SCRIPT],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    // The hook prints this once udhcpc has read the ACK and set the address it
    // releases from. The broker usually answers before that: dnsmasq writes the
    // lease file before it sends the ACK.
    const bound = new Promise<void>((resolve, reject) => {
      createInterface({ input: udhcpc?.stdout as NodeJS.ReadableStream }).on("line", (line) => line.startsWith("lease ip=") && resolve());
      udhcpc?.once("exit", (code) => reject(new Error(`udhcpc exited (${code}) before it was bound`)));
    });
    const lease = await waiting;
    await bound;
    expect(lease).toMatchObject({ network: "shared", mac: RELEASING_MAC });
    await seen((e) => e.type === "lease-added" && e.lease?.mac === RELEASING_MAC, "lease-added");

    const exited = new Promise((resolve) => udhcpc?.once("exit", resolve));
    udhcpc.kill("SIGTERM");
    await exited;
    const expired = await seen((e) => e.type === "lease-expired" && e.lease?.mac === RELEASING_MAC, "lease-expired");
    expect(expired.lease).toMatchObject({ ip: lease.ip, network: "shared" });
    // Released long before the end of its lease time: the tracker followed dnsmasq's file.
    expect(Number(lease.expiresUnix) * 1000).toBeGreaterThan(Date.now() + 60_000);
    const gone = await codeOf((await client()).waitForLease("shared", RELEASING_MAC, { timeoutMs: 0 }));
    expect(gone.code).toBe(ErrorCode.ERROR_CODE_NOT_FOUND);
    const shared = (await broker.status()).networks.find((n) => n.network?.name === "shared");
    expect(shared?.references).toBe(1);
    expect(shared?.leases.map((l) => l.mac)).not.toContain(RELEASING_MAC);
  });

  it("ends a look-up waiting on a network that is removed, naming the removal", async () => {
    const holder = await broker.connect();
    await holder.acquireNetwork("lab");
    const waiting = codeOf((await client()).waitForLease("lab", "52:54:00:16:17:02", { timeoutMs: 300_000 }));
    holder.close(); // lab is removed after the idle delay.
    const ended = await waiting;
    expect(ended.code).toBe(ErrorCode.ERROR_CODE_NOT_FOUND);
    expect(ended.message).toContain("network 'lab' was removed while waiting for the lease of 52:54:00:16:17:02");
    await seen((e) => e.type === "network-removed" && e.network === "lab", "network-removed lab");
  });

  it("starts a new dnsmasq when the network's dies, and a waiting look-up is answered through it", async () => {
    const pidFile = join(broker.dir, "run/linux/shared/dnsmasq.pid");
    const before = Number(readFileSync(pidFile, "utf8"));
    const mac = "52:54:00:16:17:04";
    const waiting = (await client()).waitForLease("shared", mac, { timeoutMs: 60_000 });
    process.kill(before, "SIGKILL");
    await broker.waitForLog((line) => line.includes("event=dnsmasq-restarted network=shared"), "dnsmasq-restarted");
    const after = Number(readFileSync(pidFile, "utf8"));
    expect(after).not.toBe(before);
    // The record names the new one (a later broker stops it by that pid).
    const record = JSON.parse(readFileSync(join(broker.dir, "run/linux/shared/record.json"), "utf8"));
    expect(record.dnsmasq.pid).toBe(after);
    const guest = await createGuest("after-restart");
    guests.push(guest);
    const holder = await client();
    await holder.acquireNetwork("shared");
    const fd = guest.openNetnsFd();
    try {
      await holder.openVeth("shared", fd, "eth0");
    } finally {
      closeSync(fd);
    }
    await guest.run("ip", ["link", "set", "eth0", "address", mac]);
    const dhcp = await acquireDhcpLease(guest, "eth0");
    expect(await waiting).toMatchObject({ mac, ip: dhcp.ip });
  });

  it("fails a waiting look-up with a transport error when the broker and its dnsmasq go (kill -9)", async () => {
    const waiting = codeOf((await client()).waitForLease("shared", "52:54:00:16:17:03", { timeoutMs: 300_000 }));
    await broker.kill9();
    expect((await waiting).code).toBe(ErrorCode.ERROR_CODE_TRANSPORT_FAILURE);
  });
});
