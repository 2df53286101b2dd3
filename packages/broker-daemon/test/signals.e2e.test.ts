// SPDX-License-Identifier: Apache-2.0
// How the daemon stops: refused while VMs are connected unless forced, clean
// without peers, and by itself when idle under a service manager.
import { describe, expect, it } from "vitest";
import { TestBroker } from "./harness/broker.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (bounded) until the broker has logged a disconnect for every connect. */
async function allPeersGone(broker: TestBroker): Promise<void> {
  const count = (event: string) => broker.log.filter((line) => line.includes(`event=${event} `)).length;
  const deadline = Date.now() + 10_000;
  while (count("peer-connected") !== count("peer-disconnected")) {
    if (Date.now() > deadline) throw new Error("peers did not disconnect");
    await sleep(20);
  }
}

describe("stopping the broker (live broker)", () => {
  it("refuses SIGTERM while a peer is connected, and stops when it is sent again", async () => {
    const broker = await TestBroker.start();
    const client = await broker.connect();
    await client.acquireNetwork("shared");
    broker.process.kill("SIGTERM");
    await sleep(500);
    expect(broker.process.exitCode).toBeNull();
    expect(broker.log.join("\n")).toMatch(/event=stop-refused .*peers=1/);
    expect((await client.status()).networks.filter((n) => n.live)).toHaveLength(1);
    broker.process.kill("SIGTERM");
    expect(await broker.exited).toBe(0);
    expect(broker.log.join("\n")).toMatch(/event=network-removed network=shared/);
    client.close();
    await broker.dispose();
  });

  it("stops cleanly on SIGTERM without peers, removing its networks", async () => {
    const broker = await TestBroker.start({ idleDelayMs: 60_000 });
    const client = await broker.connect();
    await client.acquireNetwork("host");
    client.close();
    await allPeersGone(broker);
    broker.process.kill("SIGTERM");
    expect(await broker.exited).toBe(0);
    const log = broker.log.join("\n");
    expect(log).toMatch(/event=stopping reason=SIGTERM peers=0 networks=1/);
    expect(log).toMatch(/event=network-removed network=host/);
    expect(log).toMatch(/event=stopped/);
    await broker.dispose();
  });

  it("exits by itself after the idle delay with no peers when asked to (socket activation)", async () => {
    const broker = await TestBroker.start({ idleDelayMs: 400, extraArgs: ["--exit-when-idle"] });
    const client = await broker.connect();
    await client.acquireNetwork("shared");
    await sleep(800);
    // A connected peer keeps it alive past the delay.
    expect(broker.process.exitCode).toBeNull();
    client.close();
    expect(await broker.exited).toBe(0);
    expect(broker.log.join("\n")).toMatch(/event=stopping reason=idle/);
    await broker.dispose();
  });
});
