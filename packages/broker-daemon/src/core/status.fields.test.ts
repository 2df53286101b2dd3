// SPDX-License-Identifier: Apache-2.0
// Every field of status as an admin sees it: `vmnet-broker status` prints them
// and monitoring reads them, so each must carry its own value.
import { closeSync, openSync } from "node:fs";
import { InterfaceKind, LeaseHolder, NetworkMode, Reply, Request, Status } from "@vmnet-broker/client/protocol";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BUILTIN_NETWORKS } from "../config/builtin.js";
import type { LoadedConfig } from "../config/load.js";
import type { NetworkConfig } from "../config/network-config.js";
import type { BackendNetwork } from "./backend.js";
import { FakeBackend, type FakeNetwork, makeBroker } from "./fake-backend.test-util.js";
import type { PeerConnection } from "./peer.js";
import { MAX_REPLY_BYTES, REPLY_ENVELOPE_BYTES, replyFits } from "./reply-size.js";
import { fitStatus } from "./status.js";

const alice = { uid: 1000, gid: 1000, pid: 77 };
const lab: NetworkConfig = {
  ...BUILTIN_NETWORKS[1]!,
  name: "lab",
  description: "the lab",
  mtu: 9000,
  dhcp: false,
  dns: false,
  source: "/etc/vmnet-broker.d/lab.json",
};
const config: LoadedConfig = {
  networks: new Map([...BUILTIN_NETWORKS, lab].map((n) => [n.name, n])),
  errors: ["/etc/vmnet-broker.d/x.json: not valid JSON at line 1, column 1"],
  broken: new Set(["x"]),
};

async function send(peer: PeerConnection, command: NonNullable<Parameters<typeof Request.create>[0]>["command"]) {
  const out = await peer.handle(Request.create({ id: 1, command }), []);
  for (const fd of out.fds) closeSync(fd);
  return out.reply.result;
}

describe("status fields", () => {
  let backend: FakeBackend;
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date("2026-01-01T00:00:00Z") });
    backend = new FakeBackend();
  });
  afterEach(() => vi.useRealTimers());

  it("describes the broker, each network live or not, its leases, interfaces and peers", async () => {
    const broker = makeBroker(backend, { config, version: "1.2.3" });
    const peer = broker.connect(alice, "unix");
    await send(peer, { $case: "hello", value: { protocolVersion: 1, clientName: "qemu-wrapper" } });
    await send(peer, { $case: "acquire", value: { networkName: "shared" } });
    const shared = backend.created[0] as FakeNetwork;
    shared.leaseTable = [{ mac: "52:54:00:00:00:09", ip: "10.9.0.10", hostname: "guest", expiresUnix: 1767225600 }];
    await send(peer, {
      $case: "openInterface",
      value: {
        networkName: "shared",
        kind: { $case: "tap", value: { vnetHeader: false, queues: 1, holder: LeaseHolder.LEASE_HOLDER_INTERFACE } },
      },
    });
    await vi.advanceTimersByTimeAsync(65_000);
    const status = await broker.status();
    expect(status).toMatchObject({
      brokerVersion: "1.2.3",
      platform: "linux",
      pid: process.pid,
      uptimeSeconds: 65n,
      viewFiltered: false,
      configErrors: ["/etc/vmnet-broker.d/x.json: not valid JSON at line 1, column 1"],
      counters: { peersConnected: 1n, requests: 3n, acquires: 1n, networksCreated: 1n, interfacesOpened: 1n, errors: 0n },
      peers: [{ id: 1n, uid: 1000, gid: 1000, pid: 77, networks: ["shared"], connectedSeconds: 65n, clientName: "qemu-wrapper" }],
    });
    expect(status.networks.map((n) => n.network?.name)).toEqual(["shared", "host", "lab"]);
    expect(status.networks[0]).toMatchObject({
      network: {
        name: "shared",
        mode: NetworkMode.NETWORK_MODE_SHARED,
        description: BUILTIN_NETWORKS[0]!.description,
        subnet: "10.9.0.0",
        mask: "255.255.255.0",
        gateway: "10.9.0.1",
        ipv6Prefix: "",
        mtu: 1500,
        bridge: "fake-shared",
        dhcp: true,
        dns: true,
      },
      references: 1,
      peerIds: [1n],
      leases: [{ mac: "52:54:00:00:00:09", ip: "10.9.0.10", hostname: "guest", expiresUnix: 1767225600n }],
      interfaces: [
        {
          name: "faketap0",
          kind: InterfaceKind.INTERFACE_KIND_TAP,
          peerId: 1n,
          holder: LeaseHolder.LEASE_HOLDER_INTERFACE,
          ownerUid: 1000,
        },
      ],
      removalInMs: 0n,
      interfaceReferences: 1,
      adopted: false,
      live: true,
    });
    // Configured, not live: the definition alone.
    expect(status.networks[2]).toMatchObject({
      network: {
        name: "lab",
        mode: NetworkMode.NETWORK_MODE_HOST,
        description: "the lab",
        subnet: "",
        mask: "",
        gateway: "",
        ipv6Prefix: "",
        mtu: 9000,
        bridge: "",
        dhcp: false,
        dns: false,
      },
      references: 0,
      peerIds: [],
      leases: [],
      interfaces: [],
      removalInMs: 0n,
      interfaceReferences: 0,
      adopted: false,
      live: false,
    });
  });

  it("counts down a released network's removal, and lists a connection-held TAP as such", async () => {
    const broker = makeBroker(backend, { config });
    const peer = broker.connect(alice, "unix");
    await send(peer, { $case: "acquire", value: { networkName: "lab" } });
    await send(peer, {
      $case: "openInterface",
      value: { networkName: "lab", kind: { $case: "tap", value: { vnetHeader: false, queues: 1 } } },
    });
    let status = await broker.status();
    expect(status.networks.find((n) => n.network?.name === "lab")).toMatchObject({
      network: { mode: NetworkMode.NETWORK_MODE_HOST, mtu: 9000, bridge: "fake-lab", dhcp: false, dns: false },
      interfaces: [{ name: "faketap0", holder: LeaseHolder.LEASE_HOLDER_CONNECTION }],
      interfaceReferences: 0,
    });
    peer.close();
    await vi.advanceTimersByTimeAsync(400);
    status = await broker.status();
    expect(status.networks.find((n) => n.network?.name === "lab")).toMatchObject({ references: 0, removalInMs: 600n, live: true });
    expect(status.counters).toMatchObject({ peersDisconnected: 1n, releases: 1n });
  });

  it("shows a viewer with no interfaces no leases, and reads none", async () => {
    const broker = makeBroker(backend, { config });
    const peer = broker.connect(alice, "unix");
    await send(peer, { $case: "acquire", value: { networkName: "shared" } });
    const shared = backend.created[0] as FakeNetwork;
    const leases = vi.spyOn(shared, "leases");
    const result = await send(peer, { $case: "status", value: {} });
    expect(result?.$case === "status" && result.value.networks.find((n) => n.network?.name === "shared")?.leases).toEqual([]);
    expect(leases).not.toHaveBeenCalled();
    expect(result?.$case === "status" && result.value.viewFiltered).toBe(true);
    expect(result?.$case === "status" && result.value.counters).toBeUndefined();
  });

  it("shows a viewer the leases of its own guests, whatever the case of the lease's MAC", async () => {
    const broker = makeBroker(backend, { config });
    const peer = broker.connect(alice, "unix");
    await send(peer, { $case: "acquire", value: { networkName: "shared" } });
    const opened = await send(peer, {
      $case: "openInterface",
      value: { networkName: "shared", kind: { $case: "tap", value: { vnetHeader: false, queues: 1 } } },
    });
    const guestMac = opened?.$case === "interface" ? opened.value.guestMac : "";
    const shared = backend.created[0] as FakeNetwork;
    shared.leaseTable = [
      { mac: guestMac.toUpperCase(), ip: "10.9.0.20", hostname: "mine", expiresUnix: 5 },
      { mac: "52:54:00:99:99:99", ip: "10.9.0.21", hostname: "theirs", expiresUnix: 5 },
    ];
    const result = await send(peer, { $case: "status", value: {} });
    const leases = result?.$case === "status" ? result.value.networks.find((n) => n.network?.name === "shared")?.leases : undefined;
    expect(leases?.map((l) => l.hostname)).toEqual(["mine"]);
    shared.leases = () => Promise.reject(new Error("dnsmasq gone"));
    const failed = await send(peer, { $case: "status", value: {} });
    expect(failed?.$case === "status" && failed.value.networks.find((n) => n.network?.name === "shared")?.leases).toEqual([]);
  });

  it("lists a veth as a veth, and a live network's IPv6 prefix", async () => {
    const broker = makeBroker(backend, { config });
    const peer = broker.connect(alice, "unix");
    await send(peer, { $case: "acquire", value: { networkName: "shared" } });
    const shared = backend.created[0] as FakeNetwork;
    Object.defineProperty(shared, "info", { value: { ...shared.info, ipv6Prefix: "fd00:1::/64" } });
    (shared as BackendNetwork).openVeth = async (options) => {
      closeSync(options.netnsFd);
      shared.alive.add("veth-a");
      return { name: "veth-a", peerIfname: options.ifname, mac: "52:54:00:aa:bb:cc", fds: [] };
    };
    await peer.handle(
      Request.create({
        id: 2,
        command: { $case: "openInterface", value: { networkName: "shared", kind: { $case: "veth", value: { ifname: "eth0" } } } },
      }),
      [openSync("/dev/null", "r")],
    );
    const entry = (await broker.status()).networks.find((n) => n.network?.name === "shared");
    expect(entry?.network?.ipv6Prefix).toBe("fd00:1::/64");
    expect(entry?.interfaces).toMatchObject([{ name: "veth-a", kind: InterfaceKind.INTERFACE_KIND_VETH }]);
  });

  it("lists a network still being created as not live, with its holder", async () => {
    let open!: () => void;
    backend.gate = new Promise((resolve) => (open = resolve));
    const broker = makeBroker(backend, { config });
    const peer = broker.connect(alice, "unix");
    const pending = send(peer, { $case: "acquire", value: { networkName: "lab" } });
    await vi.advanceTimersByTimeAsync(0);
    const entry = (await broker.status()).networks.find((n) => n.network?.name === "lab");
    expect(entry).toMatchObject({ live: false, references: 1, network: { bridge: "", mtu: 9000 } });
    open();
    await pending;
    expect((await broker.status()).networks.find((n) => n.network?.name === "lab")?.live).toBe(true);
  });
});

describe("status visibility after a reload", () => {
  it("shows a live network to whom the configuration in force allows, not the one it was created with", async () => {
    vi.useFakeTimers();
    const backend = new FakeBackend();
    const only = (uid: number): LoadedConfig => ({
      networks: new Map([...BUILTIN_NETWORKS, { ...lab, allowedUids: new Set([uid]) }].map((n) => [n.name, n])),
      errors: [],
      broken: new Set(),
    });
    const broker = makeBroker(backend, { config: only(1000) });
    const alicePeer = broker.connect(alice, "unix");
    await send(alicePeer, { $case: "acquire", value: { networkName: "lab" } });
    broker.reload(only(1001));
    const bobPeer = broker.connect({ uid: 1001, gid: 1001, pid: 88 }, "unix");
    const result = await send(bobPeer, { $case: "status", value: {} });
    expect(result?.$case === "status" && result.value.networks.map((n) => [n.network?.name, n.live])).toContainEqual(["lab", true]);
    vi.useRealTimers();
  });
});

describe("status for a user who is not an admin", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("shows the leases of the MAC behind the user's veth", async () => {
    const backend = new FakeBackend();
    const broker = makeBroker(backend, { config });
    const peer = broker.connect(alice, "unix");
    await send(peer, { $case: "acquire", value: { networkName: "shared" } });
    const shared = backend.created[0] as FakeNetwork;
    (shared as BackendNetwork).openVeth = async (options) => {
      closeSync(options.netnsFd);
      shared.alive.add("veth-a");
      return { name: "veth-a", peerIfname: options.ifname, mac: "52:54:00:AA:BB:CC", fds: [] };
    };
    await peer.handle(
      Request.create({
        id: 2,
        command: { $case: "openInterface", value: { networkName: "shared", kind: { $case: "veth", value: { ifname: "eth0" } } } },
      }),
      [openSync("/dev/null", "r")],
    );
    shared.leaseTable = [
      { mac: "52:54:00:aa:bb:cc", ip: "10.9.0.30", hostname: "container", expiresUnix: 1 },
      { mac: "52:54:00:00:00:77", ip: "10.9.0.31", hostname: "other", expiresUnix: 1 },
    ];
    const result = await send(peer, { $case: "status", value: {} });
    const leases = result?.$case === "status" ? result.value.networks.find((n) => n.network?.name === "shared")?.leases : undefined;
    expect(leases?.map((l) => l.hostname)).toEqual(["container"]);
  });

  it("shows a network the user may no longer acquire while an interface of theirs is on it", async () => {
    const backend = new FakeBackend();
    const only = (uid: number): LoadedConfig => ({
      networks: new Map([...BUILTIN_NETWORKS, { ...lab, allowedUids: new Set([uid]) }].map((n) => [n.name, n])),
      errors: [],
      broken: new Set(),
    });
    const broker = makeBroker(backend, { config: only(1000) });
    const first = broker.connect(alice, "unix");
    await send(first, { $case: "acquire", value: { networkName: "lab" } });
    await send(first, {
      $case: "openInterface",
      value: { networkName: "lab", kind: { $case: "tap", value: { queues: 1, holder: LeaseHolder.LEASE_HOLDER_INTERFACE } } },
    });
    first.close();
    broker.reload(only(1001));
    const again = broker.connect(alice, "unix");
    const result = await send(again, { $case: "status", value: {} });
    expect(result?.$case === "status" && result.value.networks.map((n) => n.network?.name)).toContain("lab");
  });
});

describe("fitStatus", () => {
  const limit = MAX_REPLY_BYTES - REPLY_ENVELOPE_BYTES;
  /** A status with one lease whose encoding is exactly `size` bytes. */
  function statusOfSize(size: number): Status {
    const make = (pad: number) =>
      Status.fromPartial({
        brokerVersion: "x".repeat(pad),
        networks: [{ network: { name: "shared" }, leases: [{ mac: "52:54:00:00:00:01", ip: "10.9.0.10", hostname: "g" }] }],
      });
    let pad = size - Status.encode(make(0)).finish().length;
    // The length prefix of the padded field grows with it: shrink the padding to match.
    while (Status.encode(make(pad)).finish().length > size) pad--;
    const status = make(pad);
    expect(Status.encode(status).finish().length).toBe(size);
    return status;
  }

  it("keeps a status of exactly the limit whole, and leaves the leases out of one byte more", () => {
    const fits = statusOfSize(limit);
    expect(fitStatus(fits)).toBe(fits);
    const over = statusOfSize(limit + 1);
    const fitted = fitStatus(over);
    expect(fitted.networks[0]?.leases).toEqual([]);
    expect(fitted.brokerVersion).toBe(over.brokerVersion);
  });
});

describe("replyFits", () => {
  it("takes a reply of exactly the protocol's limit, and not one byte more", () => {
    const make = (pad: number) => Reply.fromPartial({ id: 1, result: { $case: "status", value: { brokerVersion: "x".repeat(pad) } } });
    const sized = (size: number) => {
      let pad = size - Reply.encode(make(0)).finish().length;
      while (Reply.encode(make(pad)).finish().length > size) pad--;
      const reply = make(pad);
      expect(Reply.encode(reply).finish().length).toBe(size);
      return reply;
    };
    expect(replyFits(sized(MAX_REPLY_BYTES))).toBe(true);
    expect(replyFits(sized(MAX_REPLY_BYTES + 1))).toBe(false);
  });
});
