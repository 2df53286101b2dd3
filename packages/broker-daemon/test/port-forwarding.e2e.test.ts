// SPDX-License-Identifier: Apache-2.0
// Port forwarding on Linux through the real daemon (sandboxed: its private
// namespace is "the host"). A server in a guest namespace answers through the
// forwarded ports, TCP and UDP, IPv4 and IPv6: from the host itself (127.0.0.1,
// its own addresses), from an "outside" namespace routed to the host through a
// veth, and from another guest of the network (hairpin). Guests cannot use the
// bridge's route_localnet to reach the host's 127.0.0.1. When the network goes,
// its table goes, and so do the forwards.
import { spawnSync } from "node:child_process";
import { closeSync } from "node:fs";
import { join } from "node:path";
import type { BrokerClient } from "@vmnet-broker/client";
import { TransportProtocol } from "@vmnet-broker/client/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGuest, type Guest } from "../src/sandbox/index.js";
import { CLI, TestBroker } from "./harness/broker.js";
import { probe, type Server, startServer, waitForIpv6 } from "./harness/port-forwarding.js";

const WEB = {
  mode: "shared",
  subnet: "10.77.0.0",
  mask: "255.255.255.0",
  ipv6_prefix: "fd00:77::/64",
  port_forwarding: [
    { protocol: "tcp", external_port: 8080, internal_address: "10.77.0.10", internal_port: 7000 },
    { protocol: "udp", external_port: 8053, internal_address: "10.77.0.10", internal_port: 7001 },
    { protocol: "tcp", external_port: 8080, internal_address: "fd00:77::10", internal_port: 7000 },
    { protocol: "udp", external_port: 8053, internal_address: "fd00:77::10", internal_port: 7001 },
  ],
};
/** Sorts after web.json, so it is the file that loses the clash over tcp 8080. */
const CLASH = {
  mode: "shared",
  subnet: "10.78.0.0",
  mask: "255.255.255.0",
  port_forwarding: [{ protocol: "tcp", external_port: 8080, internal_address: "10.78.0.10", internal_port: 80 }],
};
/** The host's address toward the outside namespace. */
const UPLINK = { v4: "172.30.0.1", v6: "fd00:30::1" };

describe("port forwarding (live broker)", () => {
  let broker: TestBroker;
  let hostNs: string;
  const clients: BrokerClient[] = [];
  const guests: Guest[] = [];
  const servers: Server[] = [];
  let outside: Guest;

  /** A guest on "web" with fixed addresses .<host> and routes through the gateway. */
  async function attach(name: string, host: number): Promise<Guest> {
    const guest = await createGuest(name);
    guests.push(guest);
    const client = await broker.connect();
    clients.push(client);
    await client.acquireNetwork("web");
    const fd = guest.openNetnsFd();
    try {
      await client.openVeth("web", fd, "eth0");
    } finally {
      closeSync(fd);
    }
    await guest.run("ip", ["addr", "add", `10.77.0.${host}/24`, "dev", "eth0"]);
    await guest.run("ip", ["-6", "addr", "add", `fd00:77::${host}/64`, "dev", "eth0", "nodad"]);
    await guest.run("ip", ["route", "add", "default", "via", "10.77.0.1"]);
    await guest.run("ip", ["-6", "route", "add", "default", "via", "fd00:77::1"]);
    await waitForIpv6(guest, "fd00:77::1");
    return guest;
  }

  beforeAll(async () => {
    broker = await TestBroker.start({ idleDelayMs: 300, networks: { web: WEB, zclash: CLASH } });
    hostNs = `/proc/${broker.pid}/ns/net`;
    const server = await attach("server", 10);
    servers.push(await startServer(server.netnsPath, "guest", "10.77.0.10,fd00:77::10", 7000, 7001));
    // "Outside": a namespace behind a veth, routed to the host's uplink address.
    outside = await createGuest("outside");
    broker.inNamespace("ip", "link", "add", "pfwd-up", "type", "veth", "peer", "name", "eth0", "netns", String(outside.pid));
    broker.inNamespace("ip", "addr", "add", `${UPLINK.v4}/24`, "dev", "pfwd-up");
    broker.inNamespace("ip", "-6", "addr", "add", `${UPLINK.v6}/64`, "dev", "pfwd-up", "nodad");
    broker.inNamespace("ip", "link", "set", "pfwd-up", "up");
    await outside.run("ip", ["addr", "add", "172.30.0.2/24", "dev", "eth0"]);
    await outside.run("ip", ["-6", "addr", "add", "fd00:30::2/64", "dev", "eth0", "nodad"]);
    await outside.run("ip", ["link", "set", "eth0", "up"]);
    await waitForIpv6(outside, UPLINK.v6);
  });

  afterAll(async () => {
    for (const server of servers) server.child.kill("SIGKILL");
    for (const client of clients) client.close();
    for (const guest of [...guests, outside]) await guest?.remove();
    await broker?.dispose();
  });

  it("answers TCP and UDP, IPv4 and IPv6, from the outside namespace", async () => {
    expect(await probe(outside.netnsPath, "tcp", UPLINK.v4, 8080)).toBe("guest hello from 172.30.0.2");
    expect(await probe(outside.netnsPath, "udp", UPLINK.v4, 8053)).toBe("guest hello from 172.30.0.2");
    expect(await probe(outside.netnsPath, "tcp", UPLINK.v6, 8080)).toBe("guest hello from fd00:30::2");
    expect(await probe(outside.netnsPath, "udp", UPLINK.v6, 8053)).toBe("guest hello from fd00:30::2");
    // A port nobody forwards stays closed.
    expect(await probe(outside.netnsPath, "tcp", UPLINK.v4, 8081)).toBeUndefined();
  });

  it("answers the host itself: 127.0.0.1, its uplink address, the gateway, over IPv4 and IPv6", async () => {
    for (const protocol of ["tcp", "udp"] as const) {
      const port = protocol === "tcp" ? 8080 : 8053;
      // From 127.0.0.1 the source is masqueraded to the gateway: a guest cannot answer 127.0.0.1.
      expect(await probe(hostNs, protocol, "127.0.0.1", port)).toBe("guest hello from 10.77.0.1");
      expect(await probe(hostNs, protocol, UPLINK.v4, port)).toBe(`guest hello from ${UPLINK.v4}`);
      expect(await probe(hostNs, protocol, "10.77.0.1", port)).toBe("guest hello from 10.77.0.1");
      expect(await probe(hostNs, protocol, UPLINK.v6, port)).toBe(`guest hello from ${UPLINK.v6}`);
      expect(await probe(hostNs, protocol, "fd00:77::1", port)).toBe("guest hello from fd00:77::1");
    }
  });

  it("answers another guest of the network through the host's addresses (hairpin, masqueraded)", async () => {
    const other = await attach("other", 20);
    for (const protocol of ["tcp", "udp"] as const) {
      const port = protocol === "tcp" ? 8080 : 8053;
      expect(await probe(other.netnsPath, protocol, "10.77.0.1", port)).toBe("guest hello from 10.77.0.1");
      expect(await probe(other.netnsPath, protocol, UPLINK.v4, port)).toBe("guest hello from 10.77.0.1");
      expect(await probe(other.netnsPath, protocol, "fd00:77::1", port)).toBe("guest hello from fd00:77::1");
      expect(await probe(other.netnsPath, protocol, UPLINK.v6, port)).toBe("guest hello from fd00:77::1");
    }
  });

  it("keeps guests away from the host's 127.0.0.1, although the bridge routes loopback sources", async () => {
    expect(broker.inNamespace("cat", "/proc/sys/net/ipv4/conf/vmbr-web/route_localnet").trim()).toBe("1");
    const loopback = await startServer(hostNs, "host-loopback", "127.0.0.1", 9000, 9001);
    servers.push(loopback);
    expect(await probe(hostNs, "udp", "127.0.0.1", 9001)).toBe("host-loopback hello from 127.0.0.1");
    // A guest (root in its namespace) sends to 127.0.0.1 through the gateway.
    const attacker = await attach("attacker", 30);
    await attacker.run("ip", ["route", "del", "local", "127.0.0.0/8", "dev", "lo", "table", "local"]);
    await attacker.run("ip", ["route", "del", "local", "127.0.0.1", "dev", "lo", "table", "local"]);
    await attacker.run("ip", ["route", "add", "127.0.0.0/8", "via", "10.77.0.1", "dev", "eth0"]);
    await probe(attacker.netnsPath, "udp", "127.0.0.1", 9001);
    await probe(attacker.netnsPath, "tcp", "127.0.0.1", 9000);
    // Without the guard the datagram and the SYN reach the server (whose answers from 127.0.0.1 get lost).
    expect(loopback.output.filter((line) => line.startsWith("got"))).toEqual(["got hello from 127.0.0.1"]);
    expect(broker.inNamespace("nft", "list", "chain", "inet", "vmnet_broker_web", "prerouting")).toMatch(
      /iifname "vmbr-web" ip daddr 127\.0\.0\.0\/8 counter packets [1-9]\d* bytes \d+ drop/,
    );
  });

  it("shows the forwards in status, for clients and in the CLI's table", async () => {
    const web = (await broker.status()).networks.find((n) => n.network?.name === "web");
    expect(web?.network?.portForwards.map((f) => `${f.protocol} ${f.externalPort} ${f.internalAddress} ${f.internalPort}`)).toEqual([
      `${TransportProtocol.TRANSPORT_PROTOCOL_TCP} 8080 10.77.0.10 7000`,
      `${TransportProtocol.TRANSPORT_PROTOCOL_UDP} 8053 10.77.0.10 7001`,
      `${TransportProtocol.TRANSPORT_PROTOCOL_TCP} 8080 fd00:77::10 7000`,
      `${TransportProtocol.TRANSPORT_PROTOCOL_UDP} 8053 fd00:77::10 7001`,
    ]);
    const text = spawnSync(process.execPath, [CLI, "status", "--socket", broker.socket], { encoding: "utf8" }).stdout;
    expect(text).toMatch(/PORT FORWARDS\nNETWORK +PROTO +HOST PORT +GUEST\nweb +tcp +8080 +10\.77\.0\.10:7000\n/);
    expect(text).toMatch(/web +udp +8053 +\[fd00:77::10\]:7001\n/);
  });

  it("reports the file that forwards a port another file forwards, naming both", async () => {
    const status = await broker.status();
    const conf = join(broker.dir, "conf");
    expect(status.configErrors).toContain(
      `${join(conf, "zclash.json")}: field 'port_forwarding': tcp port 8080 of 'zclash' is forwarded by 'web' (${join(conf, "web.json")}) already; 'zclash' is not offered`,
    );
    const check = spawnSync(process.execPath, [CLI, "check-config", "--config-dir", conf], { encoding: "utf8" });
    expect(check.status).toBe(1);
    expect(check.stdout).toContain(
      `error  ${join(conf, "zclash.json")}: field 'port_forwarding': tcp port 8080 of 'zclash' is forwarded by 'web'`,
    );
  });

  it("takes the forwards away with the network: the table is gone and the ports answer no more", async () => {
    expect(broker.nftTables()).toContain("table inet vmnet_broker_web");
    for (const client of clients.splice(0)) client.close();
    await broker.waitFor((s) => !s.networks.some((n) => n.network?.name === "web" && n.live), "removal of web");
    expect(broker.nftTables().join("\n")).not.toContain("vmnet_broker_web");
    expect(broker.inNamespace("nft", "list", "ruleset")).not.toMatch(/dnat|127\.0\.0\.0/);
    expect(await probe(outside.netnsPath, "tcp", UPLINK.v4, 8080)).toBeUndefined();
    expect(await probe(outside.netnsPath, "udp", UPLINK.v6, 8053)).toBeUndefined();
    expect(await probe(hostNs, "tcp", "127.0.0.1", 8080)).toBeUndefined();
  });
});
