// SPDX-License-Identifier: Apache-2.0
// Real traffic through the broker's networks: DHCP from dnsmasq, guests pinging
// each other over the bridge, host-only isolation, and TAP fds carrying frames.
import { closeSync } from "node:fs";
import type { BrokerClient } from "@vmnet-broker/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquireDhcpLease, createGuest, type Guest } from "../src/sandbox/index.js";
import { arpProbe } from "./harness/arp.js";
import { TestBroker } from "./harness/broker.js";

/** True when `count` pings from the guest to address all come back. */
async function pings(guest: Guest, address: string, count = 2): Promise<boolean> {
  try {
    await guest.run("ping", ["-c", String(count), "-W", "2", "-i", "0.2", address]);
    return true;
  } catch {
    return false;
  }
}

describe("data plane (live broker)", () => {
  let broker: TestBroker;
  const guests: Guest[] = [];
  const clients: BrokerClient[] = [];
  beforeAll(async () => {
    broker = await TestBroker.start({ idleDelayMs: 60_000 });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    for (const g of guests) await g.remove();
    await broker.dispose();
  });

  /** A guest namespace attached to a network through its own client connection. */
  async function attach(network: string) {
    const guest = await createGuest(`guest${guests.length}`);
    guests.push(guest);
    const client = await broker.connect();
    clients.push(client);
    await client.acquireNetwork(network);
    const fd = guest.openNetnsFd();
    try {
      const veth = await client.openVeth(network, fd, "eth0");
      expect(veth.peerIfname).toBe("eth0");
    } finally {
      closeSync(fd);
    }
    return guest;
  }

  it("gives two guests on shared DHCP leases; they ping each other and the gateway; status shows both leases", async () => {
    const one = await attach("shared");
    const two = await attach("shared");
    const a = (await acquireDhcpLease(one, "eth0")).ip;
    const b = (await acquireDhcpLease(two, "eth0")).ip;
    expect(a).not.toBe(b);
    expect(await pings(one, b)).toBe(true);
    expect(await pings(two, a)).toBe(true);
    const status = await broker.status();
    const shared = status.networks.find((n) => n.network?.name === "shared");
    expect(await pings(one, shared?.network?.gateway as string)).toBe(true);
    expect(shared?.references).toBe(2);
    expect(shared?.leases.map((l) => l.ip).sort()).toEqual([a, b].sort());
    expect(await one.run("ip", ["route", "show", "default"])).toContain(`via ${shared?.network?.gateway}`);
  });

  it("masquerades shared traffic and forwards nothing out of host", async () => {
    const ruleset = broker.inNamespace("nft", "list", "ruleset");
    expect(ruleset).toContain("masquerade");
    const host = await attach("host");
    const lease = await acquireDhcpLease(host, "eth0");
    const status = await broker.status();
    const hostNet = status.networks.find((n) => n.network?.name === "host")?.network;
    // No default route is handed out on a host-only network...
    expect(lease.router).toBe("");
    // ...and even with one set by hand, the broker forwards nothing out of it.
    await host.run("ip", ["route", "add", "default", "via", hostNet?.gateway as string]);
    const sharedGuest = guests[0] as Guest;
    const sharedGuestIp = /inet (\S+)\//.exec(await sharedGuest.run("ip", ["-4", "addr", "show", "dev", "eth0"]))?.[1] as string;
    expect(await pings(host, hostNet?.gateway as string)).toBe(true);
    expect(await pings(host, sharedGuestIp, 1)).toBe(false);
  });

  it("hands out a TAP fd that carries frames: the gateway answers an ARP request", async () => {
    const client = await broker.connect();
    clients.push(client);
    const network = await client.acquireNetwork("shared");
    const tap = await client.openTap("shared", { vnetHeader: false, queues: 1 });
    expect(tap.fds).toHaveLength(1);
    expect(broker.links()).toContain(tap.name);
    const senderIp = network.gateway.replace(/\.1$/, ".250");
    await expect(arpProbe(tap.fds[0] as number, network.gateway, senderIp)).resolves.toBe(network.gateway);
    closeSync(tap.fds[0] as number);
    // A non-persistent TAP dies with its last fd.
    await broker.waitFor(() => !broker.links().includes(tap.name), "TAP removal after its fd closed");
  });

  it("opens a multi-queue TAP with one fd per queue and removes it when its peer disconnects", async () => {
    const client = await broker.connect();
    await client.acquireNetwork("host");
    const tap = await client.openTap("host", { vnetHeader: true, queues: 4 });
    expect(tap.fds).toHaveLength(4);
    expect(broker.inNamespace("ip", "-d", "link", "show", "dev", tap.name)).toContain("multi_queue");
    client.close();
    await broker.waitFor(() => !broker.links().includes(tap.name), "TAP removed with its peer");
    for (const fd of tap.fds) closeSync(fd);
  });
});
