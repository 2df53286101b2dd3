// SPDX-License-Identifier: Apache-2.0
// One network across two hosts (docs/multi-host.md). Two "hosts" are two network
// namespaces joined by a veth underlay (harness/two-hosts.ts), each with its own
// broker in `serve --host` mode and its own config dir; network "lab" has the same
// VNI and subnet on both, host A serves DHCP, host B does not. A guest on each
// host gets its lease from A's dnsmasq, and they ping each other over IPv4 and
// IPv6 link-local through the kernel's VXLAN. Killing a broker (kill -9) leaves
// the guests working; a new broker adopts the network, and the VXLAN device goes
// with the network. The encrypted variant runs the overlay over WireGuard: the
// underlay then carries WireGuard packets only.

import { execFileSync } from "node:child_process";
import { closeSync, rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquireDhcpLease, createGuest, type Guest } from "../src/sandbox/index.js";
import { CLI, TestBroker } from "./harness/broker.js";
import { type Host, TwoHosts } from "./harness/two-hosts.js";

const VNI = 4242;

function lab(underlay: string, peer: string, dhcp: "serve" | "none") {
  return { mode: "host", subnet: "10.77.0.0", mask: "255.255.255.0", overlay: { vni: VNI, underlay, peers: [peer], dhcp } };
}

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
    const match = /inet6 (fe80::[0-9a-f:]+)\/64/.exec(out);
    if (match && !out.includes("tentative")) return match[1] as string;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`guest ${guest.name} has no IPv6 link-local address`);
}

/** Three pings, at least one answered (ping exits non-zero otherwise); the error says which. */
async function ping(guest: Guest, address: string): Promise<void> {
  try {
    await guest.run("ping", ["-n", "-c", "3", "-i", "0.2", "-W", "2", address]);
  } catch (error) {
    throw new Error(`ping from ${guest.name} to ${address} got no answer`, { cause: error });
  }
}

const status = (broker: TestBroker, human = false) =>
  execFileSync(process.execPath, [CLI, "status", ...(human ? [] : ["--json"]), "--socket", broker.socket], { encoding: "utf8" });

function twoHostTests(encrypted: boolean) {
  const tag = `${encrypted ? "e" : "p"}${process.pid.toString(36)}`;
  let hosts: TwoHosts;
  let a: TestBroker | undefined;
  let b: TestBroker | undefined;
  const guests: Guest[] = [];
  /** Restarted brokers reuse their host's directory, which none of them then owns. */
  const dirs: string[] = [];
  const start = (host: Host, peer: Host, dhcp: "serve" | "none", dir?: string) =>
    TestBroker.start({
      inNetns: host.netns,
      networks: { lab: lab(host.underlay, peer.address, dhcp) },
      idleDelayMs: 500,
      ...(dir ? { dir } : {}),
    });
  /** Our links in a host (the broker's prefixes). */
  const ourLinks = (host: Host) =>
    hosts
      .in(host.netns, "ip", "-o", "link", "show")
      .split("\n")
      .map((line) => line.split(": ")[1]?.split("@")[0] ?? "")
      .filter((name) => name.startsWith("vm"))
      .sort();

  beforeAll(() => {
    hosts = new TwoHosts(tag, encrypted);
  });

  afterAll(async () => {
    for (const guest of guests) await guest.remove();
    await a?.dispose();
    await b?.dispose();
    await hosts?.remove();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("gives both guests leases from host A, carries IPv4 and IPv6 link-local between them, and outlives each broker", async () => {
    a = await start(hosts.a, hosts.b, "serve");
    b = await start(hosts.b, hosts.a, "none");
    dirs.push(a.dir, b.dir);
    const guestA = await attachedGuest(a, `mh-guest-a-${tag}`);
    guests.push(guestA);
    const guestB = await attachedGuest(b, `mh-guest-b-${tag}`);
    guests.push(guestB);

    // The VXLAN device is a port of each host's bridge; only A's bridge has the gateway.
    for (const [host, peer] of [
      [hosts.a, hosts.b],
      [hosts.b, hosts.a],
    ] as const) {
      expect(hosts.in(host.netns, "ip", "-d", "-o", "link", "show", "vmvx-lab")).toMatch(
        new RegExp(`master vmbr-lab .*vxlan id ${VNI} local ${host.address} dev ${host.underlay} .*dstport 4789`),
      );
      expect(hosts.in(host.netns, "bridge", "fdb", "show", "dev", "vmvx-lab")).toContain(
        `00:00:00:00:00:00 dst ${peer.address} self permanent`,
      );
    }
    expect(hosts.in(hosts.a.netns, "ip", "-4", "-o", "addr", "show", "dev", "vmbr-lab")).toContain("10.77.0.1/24");
    expect(hosts.in(hosts.b.netns, "ip", "-o", "addr", "show", "dev", "vmbr-lab")).toBe("");
    expect(a.namespaceProcesses()).toContain("dnsmasq");
    expect(b.namespaceProcesses()).not.toContain("dnsmasq");

    // The underlay's MTU minus 50 bytes of VXLAN over IPv4, on the guests' links and in DHCP.
    const underlayMtu = Number(/mtu (\d+)/.exec(hosts.in(hosts.a.netns, "ip", "-o", "link", "show", hosts.a.underlay))?.[1]);
    const mtu = underlayMtu - 50;
    const leaseA = await acquireDhcpLease(guestA, "eth0");
    const leaseB = await acquireDhcpLease(guestB, "eth0");
    for (const lease of [leaseA, leaseB]) expect(lease).toMatchObject({ prefix: 24, server: "10.77.0.1", mtu });
    expect(leaseA.ip).not.toBe(leaseB.ip);
    for (const guest of [guestA, guestB]) expect(await guest.run("ip", ["-o", "link", "show", "eth0"])).toContain(`mtu ${mtu}`);
    const leases = (await a.status()).networks.find((n) => n.network?.name === "lab")?.leases.map((l) => l.ip);
    expect(leases?.sort()).toEqual([leaseA.ip, leaseB.ip].sort());

    const before = {
      vxlan: hosts.counted(hosts.b, "vxlan_in"),
      tunnel: hosts.counted(hosts.b, "vxlan_in_tunnel"),
      wg: hosts.counted(hosts.b, "wg_in"),
    };
    await ping(guestA, leaseB.ip);
    await ping(guestB, leaseA.ip);
    // Both ends past duplicate address detection: a tentative address neither sends nor receives.
    const [linkLocalA, linkLocalB] = await Promise.all([linkLocal(guestA), linkLocal(guestB)]);
    await ping(guestA, `${linkLocalB}%eth0`);
    await ping(guestB, `${linkLocalA}%eth0`);
    // The frames crossed as VXLAN (B received at least one packet per echo request),
    // in the clear on the underlay or inside WireGuard.
    if (encrypted) {
      expect(hosts.counted(hosts.b, "vxlan_in_tunnel") - before.tunnel).toBeGreaterThanOrEqual(6);
      expect(hosts.counted(hosts.b, "wg_in") - before.wg).toBeGreaterThanOrEqual(6);
    } else {
      expect(hosts.counted(hosts.b, "vxlan_in") - before.vxlan).toBeGreaterThanOrEqual(6);
    }

    // status and status --json show the overlay and its peers.
    const overlayB = (await b.status()).networks.find((n) => n.network?.name === "lab")?.overlay;
    expect(overlayB).toMatchObject({
      vni: VNI,
      underlay: hosts.b.underlay,
      local: "",
      port: 4789,
      peers: [hosts.a.address],
      servesDhcp: false,
    });
    const json = JSON.parse(status(a));
    expect(json.networks.find((n: { network: { name: string } }) => n.network.name === "lab").overlay).toEqual({
      vni: VNI,
      underlay: hosts.a.underlay,
      local: "",
      port: 4789,
      peers: [hosts.b.address],
      serves_dhcp: true,
    });
    expect(status(b, true)).toMatch(
      new RegExp(
        `OVERLAYS\\nNETWORK +VNI +UNDERLAY +LOCAL +PORT +DHCP +PEERS\\nlab +${VNI} +${hosts.b.underlay} +auto +4789 +none +${hosts.a.address.replaceAll(".", "\\.")}\\n`,
      ),
    );

    // kill -9 of B's broker: its bridge, VXLAN device and veth stay in the kernel.
    await b.kill9();
    await ping(guestA, leaseB.ip);
    await ping(guestB, leaseA.ip);
    // A new broker on B adopts the network, VXLAN device included, and traffic goes on.
    b = await start(hosts.b, hosts.a, "none", b.dir);
    expect((await b.status()).networks.find((n) => n.network?.name === "lab")).toMatchObject({
      adopted: true,
      live: true,
      network: { mtu },
    });
    expect(ourLinks(hosts.b)).toEqual(expect.arrayContaining(["vmbr-lab", "vmvx-lab"]));
    await ping(guestB, leaseA.ip);

    // kill -9 of A's broker (and with it A's dnsmasq): the leases already given keep working.
    await a.kill9();
    await ping(guestA, leaseB.ip);
    await ping(guestB, `${linkLocalA}%eth0`);

    // Over WireGuard, not one VXLAN packet crossed the underlay in the clear, either way.
    if (encrypted) for (const host of [hosts.a, hosts.b]) expect(hosts.counted(host, "vxlan_in")).toBe(0);
  });

  if (encrypted) return;
  it("removes the VXLAN device with the network, and reclaims it as a leftover after kill -9", async () => {
    if (a === undefined || b === undefined) throw new Error("the first test did not start the brokers");
    const [guestA, guestB] = guests;
    // B's guest goes: its adopted network falls idle and is removed, VXLAN device too.
    await guestB?.remove();
    await b.waitFor((s) => s.networks.every((n) => !n.live), "lab's removal on B");
    expect(ourLinks(hosts.b)).toEqual([]);
    expect(hosts.in(hosts.b.netns, "nft", "list", "tables")).not.toContain("vmnet_broker_");

    // A's broker died by kill -9 with its guest attached; once the guest is gone, the
    // next broker finds nothing to adopt and reclaims the network, VXLAN device too.
    expect(ourLinks(hosts.a)).toContain("vmvx-lab");
    await guestA?.remove();
    a = await start(hosts.a, hosts.b, "serve", a.dir);
    expect(ourLinks(hosts.a)).toEqual([]);
    expect(hosts.in(hosts.a.netns, "nft", "list", "tables")).not.toContain("vmnet_broker_");
    expect(a.namespaceProcesses()).not.toContain("dnsmasq");
  });
}

describe("one network across two hosts over VXLAN (live brokers, --host in test namespaces)", () => twoHostTests(false));

describe("the same over a WireGuard underlay (wireguard-go)", () => twoHostTests(true));
