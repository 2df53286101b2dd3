// SPDX-License-Identifier: Apache-2.0
import { closeSync } from "node:fs";
import { ErrorCode, Request, type Status } from "@vmnet-broker/client/protocol";
import { beforeEach, describe, expect, it } from "vitest";
import { BUILTIN_NETWORKS } from "../config/builtin.js";
import type { LoadedConfig } from "../config/load.js";
import type { NetworkConfig } from "../config/network-config.js";
import type { Broker } from "./broker.js";
import { FakeBackend, makeBroker } from "./fake-backend.test-util.js";
import type { PeerConnection } from "./peer.js";

// testAccounts: alice is uid 1000, bob uid 1001 and a member of group 500 ("vm").
const root = { uid: 0, gid: 0, pid: 100 };
const alice = { uid: 1000, gid: 1000, pid: 200 };
const bob = { uid: 1001, gid: 1001, pid: 300 };
const carol = { uid: 1002, gid: 1002, pid: 400 };

const base = BUILTIN_NETWORKS[0] as NetworkConfig;
const lab: NetworkConfig = { ...base, name: "lab", allowedUids: new Set([1000]) };
const bobs: NetworkConfig = { ...base, name: "bobs", allowedUids: new Set([1001]) };
const quiet: NetworkConfig = { ...base, name: "quiet", allowedUids: new Set([1001]) };

function config(): LoadedConfig {
  return {
    networks: new Map([...BUILTIN_NETWORKS, lab, bobs, quiet].map((n) => [n.name, n])),
    errors: ["/etc/vmnet-broker.d/x.json: not valid JSON at line 1, column 1"],
    broken: new Set(["x"]),
  };
}

let id = 1;
async function call(peer: PeerConnection, command: NonNullable<Parameters<typeof Request.create>[0]>["command"]) {
  const out = await peer.handle(Request.create({ id: id++, command }), []);
  for (const fd of out.fds) closeSync(fd);
  if (out.reply.result?.$case === "error") throw new Error(out.reply.result.value.message);
  return out.reply.result;
}
const acquire = (peer: PeerConnection, networkName: string) => call(peer, { $case: "acquire", value: { networkName } });
/** Opens a TAP and answers the guest MAC the broker picked for it. */
async function openTap(peer: PeerConnection, networkName: string): Promise<string> {
  const result = await call(peer, {
    $case: "openInterface",
    value: { networkName, kind: { $case: "tap", value: { vnetHeader: false, queues: 1 } } },
  });
  if (result?.$case !== "interface" || !result.value.guestMac) throw new Error("no guest MAC");
  return result.value.guestMac;
}
async function statusOf(peer: PeerConnection): Promise<Status> {
  const result = await call(peer, { $case: "status", value: {} });
  if (result?.$case !== "status") throw new Error("not a status reply");
  return result.value;
}
const net = (s: Status, name: string) => s.networks.find((n) => n.network?.name === name);

describe("status by privilege", () => {
  let backend: FakeBackend;
  let broker: Broker;
  let rootPeer: PeerConnection;
  let alice1: PeerConnection;
  let alice2: PeerConnection;
  let bobPeer: PeerConnection;
  let aliceGuests: string[];

  beforeEach(async () => {
    backend = new FakeBackend();
    broker = makeBroker(backend, { config: config(), adminGroup: "vm" });
    rootPeer = broker.connect(root, "unix");
    alice1 = broker.connect(alice, "unix");
    alice2 = broker.connect(alice, "unix");
    bobPeer = broker.connect(bob, "unix");
    // root: a TAP on shared. alice: two connections, two networks, two TAPs on
    // shared and one on lab. Leases on shared: each shared TAP's guest, a stranger's.
    await acquire(rootPeer, "shared");
    const rootGuest = await openTap(rootPeer, "shared");
    await acquire(alice1, "shared");
    aliceGuests = [await openTap(alice1, "shared"), await openTap(alice1, "shared")];
    await acquire(alice2, "lab");
    await openTap(alice2, "lab");
    await acquire(bobPeer, "bobs");
    const shared = backend.created.find((n) => n.config.name === "shared");
    if (!shared) throw new Error("no shared network");
    shared.leaseTable = [rootGuest, ...aliceGuests, "02:00:00:00:00:99"].map((mac, i) => ({
      mac,
      ip: `10.9.0.${10 + i}`,
      hostname: `vm${i}`,
      expiresUnix: 0,
    }));
  });

  it("shows root everything but its own connection", async () => {
    const s = await statusOf(rootPeer);
    expect(s.viewFiltered).toBe(false);
    expect(s.peers.map((p) => p.pid)).toEqual([200, 200, 300]);
    expect(net(s, "shared")?.leases).toHaveLength(4);
    expect(net(s, "shared")?.interfaces.map((i) => i.ownerUid)).toEqual([0, 1000, 1000]);
    expect(net(s, "bobs")?.peerIds).toHaveLength(1);
    expect(s.counters?.acquires).toBe(4n);
    expect(s.configErrors).toHaveLength(1);
    // Configured networks that are not live are listed too.
    expect(net(s, "quiet")).toMatchObject({ live: false, references: 0 });
    expect(net(s, "host")).toMatchObject({ live: false });
    expect(net(s, "shared")?.live).toBe(true);
  });

  it("shows members of the admin group everything", async () => {
    const s = await statusOf(bobPeer);
    expect(s.viewFiltered).toBe(false);
    expect(s.peers.map((p) => p.uid)).toEqual([0, 1000, 1000]);
    expect(net(s, "shared")?.leases).toHaveLength(4);
    expect(s.configErrors).toHaveLength(1);
  });

  it("shows anyone else only their own part, on every network and connection of theirs", async () => {
    const s = await statusOf(alice1);
    expect(s.viewFiltered).toBe(true);
    // Networks alice may acquire (shared, host, lab), not bob's, live or not.
    expect(s.networks.map((n) => n.network?.name).sort()).toEqual(["host", "lab", "shared"]);
    // Her other connection, not herself, not root's or bob's.
    expect(s.peers.map((p) => p.id)).toEqual([3n]);
    const shared = net(s, "shared");
    expect(shared?.references).toBe(2);
    expect(shared?.peerIds).toEqual([2n]);
    expect(shared?.interfaces.map((i) => [i.name, i.ownerUid])).toEqual([
      ["faketap1", 1000],
      ["faketap2", 1000],
    ]);
    // Only the leases of her own TAPs' MACs: not root's :02, not the stranger :99.
    expect(shared?.leases.map((l) => l.mac)).toEqual(aliceGuests);
    expect(net(s, "lab")?.interfaces.map((i) => i.name)).toEqual(["faketap0"]);
    expect(net(s, "lab")?.peerIds).toEqual([3n]);
    expect(s.counters).toBeUndefined();
    expect(s.configErrors).toEqual([]);
  });

  it("shows a peer with nothing the networks it may acquire and nothing else", async () => {
    const s = await statusOf(broker.connect(carol, "unix"));
    expect(s.viewFiltered).toBe(true);
    expect(s.networks.map((n) => n.network?.name).sort()).toEqual(["host", "shared"]);
    expect(net(s, "shared")).toMatchObject({ peerIds: [], interfaces: [], leases: [] });
    expect(s.peers).toEqual([]);
  });

  it("treats the admin group as absent when it does not resolve", async () => {
    const other = makeBroker(backend, { config: config(), adminGroup: "no-such-group" });
    expect((await statusOf(other.connect(bob, "unix"))).viewFiltered).toBe(true);
    expect((await statusOf(other.connect(root, "unix"))).viewFiltered).toBe(false);
  });
});

describe("a reply too large to send", () => {
  it("undoes the acquire that produced it, and the broker keeps serving", async () => {
    const backend = new FakeBackend();
    const huge: NetworkConfig = { ...BUILTIN_NETWORKS[0]!, name: "huge", description: "d".repeat(5 * 1024 * 1024) };
    const loaded: LoadedConfig = {
      networks: new Map([...BUILTIN_NETWORKS, huge].map((n) => [n.name, n])),
      errors: [],
      broken: new Set(),
    };
    const broker = makeBroker(backend, { config: loaded });
    const peer = broker.connect(root, "unix");
    const out = await peer.handle(Request.create({ id: 1, command: { $case: "acquire", value: { networkName: "huge" } } }), []);
    expect(out.reply.result).toMatchObject({ $case: "error", value: { code: ErrorCode.ERROR_CODE_INTERNAL_ERROR } });
    const s = await broker.status();
    expect(net(s, "huge")).toMatchObject({ references: 0, peerIds: [] });
    expect(s.counters?.acquires).toBe(0n);
    expect(s.peers[0]?.networks).toEqual([]);
    // The peer can go on; a network it already held is not undone by a later failure.
    await acquire(peer, "shared");
    expect(net(await broker.status(), "shared")?.references).toBe(1);
  });

  it("undoes an opened interface: removed, its fds closed", async () => {
    const backend = new FakeBackend();
    const broker = makeBroker(backend);
    const peer = broker.connect(root, "unix");
    await acquire(peer, "shared");
    const shared = backend.created[0]!;
    shared.tapMac = "m".repeat(5 * 1024 * 1024);
    const out = await peer.handle(
      Request.create({
        id: 2,
        command: {
          $case: "openInterface",
          value: { networkName: "shared", kind: { $case: "tap", value: { vnetHeader: false, queues: 2 } } },
        },
      }),
      [],
    );
    expect(out.reply.result).toMatchObject({ $case: "error", value: { code: ErrorCode.ERROR_CODE_INTERNAL_ERROR } });
    expect(out.fds).toEqual([]);
    expect(shared.removed).toEqual(["faketap0"]);
    const s = await broker.status();
    expect(net(s, "shared")?.interfaces).toEqual([]);
    expect(net(s, "shared")?.references).toBe(1);
    expect(s.counters?.interfacesOpened).toBe(0n);
  });

  it("leaves leases out of a status that would not fit, rather than fail", async () => {
    const backend = new FakeBackend();
    const broker = makeBroker(backend);
    const peer = broker.connect(root, "unix");
    await acquire(peer, "shared");
    backend.created[0]!.leaseTable = Array.from({ length: 60_000 }, (_, i) => ({
      mac: "52:54:00:00:00:01",
      ip: "10.9.0.10",
      hostname: `guest-${"h".repeat(60)}-${i}`,
      expiresUnix: 0,
    }));
    const s = await statusOf(broker.connect(root, "unix"));
    expect(net(s, "shared")?.leases).toEqual([]);
    expect(net(s, "shared")?.references).toBe(1);
  });
});
