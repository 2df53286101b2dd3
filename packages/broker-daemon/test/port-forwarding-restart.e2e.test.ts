// SPDX-License-Identifier: Apache-2.0
// Forwards live in the kernel, not in the broker: with `serve --host` inside a
// namespace this test made, a forwarded port keeps answering while the broker is
// dead after kill -9, the next broker adopts the network with its forwards (and
// says so in status), and once the guest's interface goes the network goes, and
// the port with it.

import { closeSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGuest, type Guest } from "../src/sandbox/index.js";
import { TestBroker } from "./harness/broker.js";
import { addNetns, removeNetns } from "./harness/named-netns.js";
import { probe, type Server, startServer } from "./harness/port-forwarding.js";

const WEB = {
  mode: "shared",
  subnet: "10.79.0.0",
  mask: "255.255.255.0",
  port_forwarding: [
    { protocol: "tcp", external_port: 8080, internal_address: "10.79.0.10", internal_port: 7000 },
    { protocol: "udp", external_port: 8053, internal_address: "10.79.0.10", internal_port: 7001 },
  ],
};

describe("port forwards across broker restarts (live broker, --host in a test namespace)", () => {
  const netns = `vmnet-broker-pfwd-${process.pid}`;
  const hostNs = `/run/netns/${netns}`;
  let dir: string;
  let guest: Guest | undefined;
  let server: Server | undefined;
  let broker: TestBroker | undefined;

  beforeAll(() => {
    addNetns(netns);
    dir = mkdtempSync(join(tmpdir(), "vmnet-broker-pfwd-"));
  });
  afterAll(async () => {
    server?.child.kill("SIGKILL");
    await guest?.remove();
    await broker?.dispose();
    removeNetns(netns);
    rmSync(dir, { recursive: true, force: true });
  });
  const start = () => TestBroker.start({ inNetns: netns, dir, idleDelayMs: 300, networks: { web: WEB } });

  it("answers while the broker is dead, is adopted with its forwards, and goes with its network", async () => {
    broker = await start();
    guest = await createGuest("pfwd-guest");
    const client = await broker.connect();
    await client.acquireNetwork("web");
    const fd = guest.openNetnsFd();
    try {
      // Held by the interface: the network outlives this connection and the broker.
      await client.openVeth("web", fd, "eth0", { holder: "interface" });
    } finally {
      closeSync(fd);
    }
    client.close();
    await guest.run("ip", ["addr", "add", "10.79.0.10/24", "dev", "eth0"]);
    await guest.run("ip", ["route", "add", "default", "via", "10.79.0.1"]);
    server = await startServer(guest.netnsPath, "guest", "10.79.0.10", 7000, 7001);
    expect(await probe(hostNs, "tcp", "127.0.0.1", 8080)).toBe("guest hello from 10.79.0.1");

    await broker.kill9();
    expect(await probe(hostNs, "tcp", "127.0.0.1", 8080)).toBe("guest hello from 10.79.0.1");
    expect(await probe(hostNs, "udp", "10.79.0.1", 8053)).toBe("guest hello from 10.79.0.1");

    broker = await start();
    const web = (await broker.status()).networks.find((n) => n.network?.name === "web");
    expect(web?.adopted).toBe(true);
    expect(web?.network?.portForwards.map((f) => `${f.externalPort}->${f.internalAddress}:${f.internalPort}`)).toEqual([
      "8080->10.79.0.10:7000",
      "8053->10.79.0.10:7001",
    ]);
    expect(await probe(hostNs, "udp", "127.0.0.1", 8053)).toBe("guest hello from 10.79.0.1");

    // The guest's namespace goes, its veth with it, then the network after the idle delay.
    server.child.kill("SIGKILL");
    await guest.remove();
    await broker.waitFor((s) => !s.networks.some((n) => n.network?.name === "web" && n.live), "removal of web");
    expect(broker.nftTables().join("\n")).not.toContain("vmnet_broker_web");
    expect(await probe(hostNs, "tcp", "127.0.0.1", 8080)).toBeUndefined();
  });
});
