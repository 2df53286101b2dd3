// SPDX-License-Identifier: Apache-2.0
// One network across two hosts (docs/multi-host.md). Two "hosts" are two network
// namespaces joined by a veth underlay, each with its own broker in `serve --host`
// mode and its own config dir; network "lab" has the same VNI and subnet on both,
// host A serves DHCP, host B does not. A guest on each host gets its lease from
// A's dnsmasq, and they ping each other over IPv4 and IPv6 link-local through the
// kernel's VXLAN. Killing a broker (kill -9) leaves the guests working; a new
// broker adopts the network, and the VXLAN device goes with the network.
import { execFileSync } from "node:child_process";
import { closeSync, rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquireDhcpLease, createGuest, type Guest } from "../src/sandbox/index.js";
import { CLI, TestBroker } from "./harness/broker.js";

const tag = process.pid.toString(36);
const HOST_A = `vmnet-mh-a-${tag}`;
const HOST_B = `vmnet-mh-b-${tag}`;
const UNDERLAY = { a: "10.98.0.1", b: "10.98.0.2" };
const VNI = 4242;

function lab(peer: string, dhcp: "serve" | "none") {
  return { mode: "host", subnet: "10.77.0.0", mask: "255.255.255.0", overlay: { vni: VNI, underlay: "ul0", peers: [peer], dhcp } };
}

const inHost = (host: string, ...args: string[]) => execFileSync("ip", ["netns", "exec", host, ...args], { encoding: "utf8" });

/** A guest namespace attached to `lab` by a veth that outlives the connection (like a VM's TAP held by its VMM). */
async function attachedGuest(broker: TestBroker, name: string): Promise<Guest> {
  const guest = await createGuest(name);
  const client = await broker.connect();
  const fd = guest.openNetnsFd();
  try {
    await client.acquireNetwork("lab");
    await client.openVeth("lab", fd, "eth0", { holder: "interface" });
  } finally {
    closeSync(fd);
    client.close();
  }
  return guest;
}

async function linkLocal(guest: Guest): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const out = await guest.run("ip", ["-6", "-o", "addr", "show", "dev", "eth0", "scope", "link"]);
    const match = /inet6 (fe80::[0-9a-f:]+)\/64 scope link\s*(?!.*tentative)/.exec(out);
    if (match && !out.includes("tentative")) return match[1] as string;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`guest ${guest.name} has no IPv6 link-local address`);
}

/** Three pings, all answered (ping exits non-zero otherwise). */
const ping = (guest: Guest, address: string) => guest.run("ping", ["-n", "-c", "3", "-i", "0.2", "-W", "2", address]);

/** Packets counted by the nft counter `name` of table `inet vmnet_mh_test` in `host`. */
function counted(host: string, name: string): number {
  const out = inHost(host, "nft", "list", "counter", "inet", "vmnet_mh_test", name);
  return Number(/packets (\d+)/.exec(out)?.[1] ?? Number.NaN);
}

/** Our links in a host, without lo and the underlay. */
function ourLinks(host: string): string[] {
  return inHost(host, "ip", "-o", "link", "show")
    .split("\n")
    .map((line) => line.split(": ")[1]?.split("@")[0] ?? "")
    .filter((name) => name.startsWith("vm"))
    .sort();
}

describe("one network across two hosts over VXLAN (live brokers, --host in test namespaces)", () => {
  let a: TestBroker | undefined;
  let b: TestBroker | undefined;
  const guests: Guest[] = [];
  /** Restarted brokers reuse their host's directory, which none of them then owns. */
  const dirs: string[] = [];

  beforeAll(() => {
    for (const host of [HOST_A, HOST_B]) {
      execFileSync("ip", ["netns", "add", host]);
      inHost(host, "ip", "link", "set", "lo", "up");
    }
    // The underlay: a veth made inside host A whose other end goes straight to B.
    inHost(HOST_A, "ip", "link", "add", "ul0", "type", "veth", "peer", "name", "ul0", "netns", HOST_B);
    inHost(HOST_A, "ip", "addr", "add", `${UNDERLAY.a}/24`, "dev", "ul0");
    inHost(HOST_B, "ip", "addr", "add", `${UNDERLAY.b}/24`, "dev", "ul0");
    for (const host of [HOST_A, HOST_B]) {
      inHost(host, "ip", "link", "set", "ul0", "up");
      // Counts the VXLAN packets the underlay carries into this host.
      inHost(
        host,
        "nft",
        "add table inet vmnet_mh_test; add counter inet vmnet_mh_test vxlan_in; " +
          "add chain inet vmnet_mh_test input { type filter hook input priority -300; }; " +
          `add rule inet vmnet_mh_test input iifname "ul0" udp dport 4789 counter name vxlan_in`,
      );
    }
  });

  afterAll(async () => {
    for (const guest of guests) await guest.remove();
    await a?.dispose();
    await b?.dispose();
    for (const host of [HOST_A, HOST_B]) {
      const pids = execFileSync("ip", ["netns", "pids", host], { encoding: "utf8" }).split("\n").filter(Boolean);
      for (const pid of pids) process.kill(Number(pid), "SIGKILL");
      execFileSync("ip", ["netns", "del", host]);
    }
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("gives both guests leases from host A, carries IPv4 and IPv6 link-local between them, and outlives each broker", async () => {
    a = await TestBroker.start({ inNetns: HOST_A, networks: { lab: lab(UNDERLAY.b, "serve") }, idleDelayMs: 500 });
    b = await TestBroker.start({ inNetns: HOST_B, networks: { lab: lab(UNDERLAY.a, "none") }, idleDelayMs: 500 });
    dirs.push(a.dir, b.dir);
    const guestA = await attachedGuest(a, "mh-guest-a");
    guests.push(guestA);
    const guestB = await attachedGuest(b, "mh-guest-b");
    guests.push(guestB);

    // The VXLAN device is a port of each host's bridge; only A's bridge has the gateway.
    for (const host of [HOST_A, HOST_B]) {
      expect(inHost(host, "ip", "-d", "-o", "link", "show", "vmvx-lab"), host).toMatch(/master vmbr-lab .*vxlan id 4242 .*dev ul0 srcport \d+ \d+ dstport 4789/);
    }
    expect(inHost(HOST_A, "bridge", "fdb", "show", "dev", "vmvx-lab")).toContain(`00:00:00:00:00:00 dst ${UNDERLAY.b} self permanent`);
    expect(inHost(HOST_B, "bridge", "fdb", "show", "dev", "vmvx-lab")).toContain(`00:00:00:00:00:00 dst ${UNDERLAY.a} self permanent`);
    expect(inHost(HOST_A, "ip", "-4", "-o", "addr", "show", "dev", "vmbr-lab")).toContain("10.77.0.1/24");
    expect(inHost(HOST_B, "ip", "-o", "addr", "show", "dev", "vmbr-lab")).toBe("");
    // Only A runs a dnsmasq.
    expect(a.namespaceProcesses()).toContain("dnsmasq");
    expect(b.namespaceProcesses()).not.toContain("dnsmasq");

    // The underlay's 1500 minus 50 bytes of VXLAN over IPv4, on the guests' links and in DHCP.
    const leaseA = await acquireDhcpLease(guestA, "eth0");
    const leaseB = await acquireDhcpLease(guestB, "eth0");
    for (const lease of [leaseA, leaseB]) expect(lease).toMatchObject({ prefix: 24, server: "10.77.0.1", mtu: 1450 });
    expect(leaseA.ip).not.toBe(leaseB.ip);
    for (const guest of [guestA, guestB]) expect(await guest.run("ip", ["-o", "link", "show", "eth0"])).toContain("mtu 1450");
    const leases = (await a.status()).networks.find((n) => n.network?.name === "lab")?.leases.map((l) => l.ip);
    expect(leases?.sort()).toEqual([leaseA.ip, leaseB.ip].sort());

    const vxlanBefore = counted(HOST_B, "vxlan_in");
    await ping(guestA, leaseB.ip);
    await ping(guestB, leaseA.ip);
    await ping(guestA, `${await linkLocal(guestB)}%eth0`);
    await ping(guestB, `${await linkLocal(guestA)}%eth0`);
    // The frames crossed as VXLAN: B received at least one per echo request.
    expect(counted(HOST_B, "vxlan_in") - vxlanBefore).toBeGreaterThanOrEqual(6);

    // status and status --json show the overlay and its peers.
    const overlayB = (await b.status()).networks.find((n) => n.network?.name === "lab")?.overlay;
    expect(overlayB).toMatchObject({ vni: VNI, underlay: "ul0", local: "", port: 4789, peers: [UNDERLAY.a], servesDhcp: false });
    const json = JSON.parse(execFileSync(process.execPath, [CLI, "status", "--json", "--socket", a.socket], { encoding: "utf8" }));
    expect(json.networks.find((n: { network: { name: string } }) => n.network.name === "lab").overlay).toEqual({
      vni: VNI,
      underlay: "ul0",
      local: "",
      port: 4789,
      peers: [UNDERLAY.b],
      serves_dhcp: true,
    });
    expect(execFileSync(process.execPath, [CLI, "status", "--socket", b.socket], { encoding: "utf8" })).toMatch(
      /OVERLAYS\nNETWORK +VNI +UNDERLAY +LOCAL +PORT +DHCP +PEERS\nlab +4242 +ul0 +auto +4789 +none +10\.98\.0\.1\n/,
    );

    // kill -9 of B's broker: its bridge, VXLAN device and veth stay in the kernel.
    await b.kill9();
    await ping(guestA, leaseB.ip);
    await ping(guestB, leaseA.ip);
    // A new broker on B adopts the network, VXLAN device included, and traffic goes on.
    b = await TestBroker.start({ inNetns: HOST_B, dir: b.dir, networks: { lab: lab(UNDERLAY.a, "none") }, idleDelayMs: 500 });
    const adopted = (await b.status()).networks.find((n) => n.network?.name === "lab");
    expect(adopted).toMatchObject({ adopted: true, live: true, network: { mtu: 1450 } });
    expect(ourLinks(HOST_B)).toEqual(expect.arrayContaining(["vmbr-lab", "vmvx-lab"]));
    await ping(guestB, leaseA.ip);

    // kill -9 of A's broker (and with it A's dnsmasq): the leases already given keep working.
    await a.kill9();
    await ping(guestA, leaseB.ip);
    await ping(guestB, `${await linkLocal(guestA)}%eth0`);
  });

  it("removes the VXLAN device with the network, and reclaims it as a leftover after kill -9", async () => {
    if (a === undefined || b === undefined) throw new Error("the first test did not start the brokers");
    const [guestA, guestB] = guests;
    // B's guest goes: its adopted network falls idle and is removed, VXLAN device too.
    await guestB?.remove();
    await b.waitFor((s) => s.networks.every((n) => !n.live), "lab's removal on B");
    expect(ourLinks(HOST_B)).toEqual([]);
    expect(inHost(HOST_B, "nft", "list", "tables")).not.toContain("vmnet_broker_");

    // A's broker died by kill -9 with its guest attached; once the guest is gone, the
    // next broker finds nothing to adopt and reclaims the network, VXLAN device too.
    await guestA?.remove();
    a = await TestBroker.start({ inNetns: HOST_A, dir: a.dir, networks: { lab: lab(UNDERLAY.b, "serve") } });
    expect(ourLinks(HOST_A)).toEqual([]);
    expect(inHost(HOST_A, "nft", "list", "tables")).not.toContain("vmnet_broker_");
    expect(a.namespaceProcesses()).not.toContain("dnsmasq");
  });
});
