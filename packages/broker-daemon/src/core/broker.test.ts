// SPDX-License-Identifier: Apache-2.0
import { closeSync, fstatSync, openSync } from "node:fs";
import { ErrorCode, type Reply, Request } from "@vmnet-broker/client/protocol";
import { closeAll } from "@vmnet-broker/client/socket";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BUILTIN_NETWORKS } from "../config/builtin.js";
import type { LoadedConfig } from "../config/load.js";
import type { NetworkConfig } from "../config/network-config.js";
import { AccessDenied, type BackendNetwork, InvalidArgument, type VethOptions } from "./backend.js";
import { FakeBackend, makeBroker, testAccounts } from "./fake-backend.test-util.js";
import type { PeerConnection } from "./peer.js";

const root = { uid: 0, gid: 0, pid: 1 };
let nextId = 1;
const acquire = (peer: PeerConnection, name: string) =>
  peer.handle(Request.create({ id: nextId++, command: { $case: "acquire", value: { networkName: name } } }), []);
const errorCode = (reply: Reply) => (reply.result?.$case === "error" ? reply.result.value.code : ErrorCode.ERROR_CODE_SUCCESS);
const fdOpen = (fd: number) => {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
};

function configWith(...extra: NetworkConfig[]): LoadedConfig {
  return { networks: new Map([...BUILTIN_NETWORKS, ...extra].map((n) => [n.name, n])), errors: [], broken: new Set() };
}

describe("Broker", () => {
  let backend: FakeBackend;
  beforeEach(() => {
    vi.useFakeTimers();
    backend = new FakeBackend();
  });
  afterEach(() => vi.useRealTimers());

  it("creates a network on first acquire and shares it by name", async () => {
    const broker = makeBroker(backend);
    const a = broker.connect(root, "unix");
    const b = broker.connect(root, "unix");
    const ra = await acquire(a, "shared");
    const rb = await acquire(b, "shared");
    expect(ra.reply.result).toMatchObject({ $case: "network", value: { name: "shared", bridge: "fake-shared", gateway: "10.9.0.1" } });
    expect(rb.reply.result?.$case).toBe("network");
    expect(backend.created).toHaveLength(1);
    const status = await broker.status();
    expect(status.networks[0]?.references).toBe(2);
    expect(status.counters?.acquires).toBe(2n);
  });

  it("echoes the request id", async () => {
    const broker = makeBroker(backend);
    const peer = broker.connect(root, "unix");
    const out = await peer.handle(Request.create({ id: 4242, command: { $case: "acquire", value: { networkName: "host" } } }), []);
    expect(out.reply.id).toBe(4242);
  });

  it("shares one creation between concurrent acquires", async () => {
    let open!: () => void;
    backend.gate = new Promise((resolve) => (open = resolve));
    const broker = makeBroker(backend);
    const pending = [1, 2, 3].map(() => acquire(broker.connect(root, "unix"), "shared"));
    open();
    const replies = await Promise.all(pending);
    expect(replies.every((r) => r.reply.result?.$case === "network")).toBe(true);
    expect(backend.created).toHaveLength(1);
  });

  it("counts a network acquired again on one connection once", async () => {
    const broker = makeBroker(backend);
    const peer = broker.connect(root, "unix");
    for (let i = 0; i < 9; i++) expect(errorCode((await acquire(peer, "shared")).reply)).toBe(0);
    const status = await broker.status();
    expect(status.networks[0]?.references).toBe(1);
    expect(status.peers[0]?.networks).toEqual(["shared"]);
  });

  it("handles one peer's pipelined requests one at a time, in order", async () => {
    let open!: () => void;
    backend.gate = new Promise((resolve) => (open = resolve));
    const broker = makeBroker(backend);
    const peer = broker.connect(root, "unix");
    const order: number[] = [];
    const pending = [1, 2, 3].map((n) => acquire(peer, "shared").then(() => order.push(n)));
    open();
    await Promise.all(pending);
    expect(order).toEqual([1, 2, 3]);
    const status = await broker.status();
    expect(status.networks[0]?.references).toBe(1);
    expect(status.counters?.acquires).toBe(3n);
  });

  it("answers unknown networks with NOT_FOUND and empty names with INVALID_REQUEST", async () => {
    const broker = makeBroker(backend);
    const peer = broker.connect(root, "unix");
    expect(errorCode((await acquire(peer, "nope")).reply)).toBe(ErrorCode.ERROR_CODE_NOT_FOUND);
    expect(errorCode((await acquire(peer, "")).reply)).toBe(ErrorCode.ERROR_CODE_INVALID_REQUEST);
    const status = await broker.status();
    expect(status.counters?.errors).toBe(2n);
    expect(backend.created).toHaveLength(0);
  });

  it("answers a request without a command with INVALID_REQUEST", async () => {
    const broker = makeBroker(backend);
    const out = await broker.connect(root, "unix").handle(Request.create({ id: 7 }), []);
    expect(errorCode(out.reply)).toBe(ErrorCode.ERROR_CODE_INVALID_REQUEST);
    expect(out.reply.id).toBe(7);
  });

  it("enforces the per-peer limit on distinct networks only", async () => {
    const extra = ["n1", "n2", "n3"].map((name) => ({ ...BUILTIN_NETWORKS[0]!, name }));
    const broker = makeBroker(backend, { config: configWith(...extra), limits: { maxNetworksPerPeer: 3 } });
    const peer = broker.connect(root, "unix");
    for (const name of ["shared", "host", "n1"]) expect(errorCode((await acquire(peer, name)).reply)).toBe(0);
    expect(errorCode((await acquire(peer, "n2")).reply)).toBe(ErrorCode.ERROR_CODE_LIMIT_EXCEEDED);
    expect(errorCode((await acquire(peer, "host")).reply)).toBe(0);
    // Another peer has its own budget.
    expect(errorCode((await acquire(broker.connect(root, "unix"), "n2")).reply)).toBe(0);
  });

  it("removes a network after the idle delay once the last holder is gone", async () => {
    const broker = makeBroker(backend, { idleDelayMs: 5000 });
    const a = broker.connect(root, "unix");
    const b = broker.connect(root, "unix");
    await acquire(a, "shared");
    await acquire(b, "shared");
    a.close();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(backend.created[0]?.destroyed).toBe(false);
    b.close();
    expect((await broker.status()).networks[0]?.removalInMs).toBe(5000n);
    await vi.advanceTimersByTimeAsync(4999);
    expect(backend.created[0]?.destroyed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(backend.created[0]?.destroyed).toBe(true);
    expect((await broker.status()).networks.filter((n) => n.live)).toHaveLength(0);
  });

  it("cancels the idle removal when the network is acquired again", async () => {
    const broker = makeBroker(backend, { idleDelayMs: 5000 });
    const a = broker.connect(root, "unix");
    await acquire(a, "shared");
    a.close();
    await vi.advanceTimersByTimeAsync(3000);
    const b = broker.connect(root, "unix");
    await acquire(b, "shared");
    await vi.advanceTimersByTimeAsync(10_000);
    expect(backend.created).toHaveLength(1);
    expect(backend.created[0]?.destroyed).toBe(false);
  });

  it("creates the network anew when acquired after its removal", async () => {
    const broker = makeBroker(backend, { idleDelayMs: 100 });
    const a = broker.connect(root, "unix");
    await acquire(a, "shared");
    a.close();
    await vi.advanceTimersByTimeAsync(100);
    await acquire(broker.connect(root, "unix"), "shared");
    expect(backend.created).toHaveLength(2);
    expect(backend.created[0]?.destroyed).toBe(true);
    expect(backend.created[1]?.destroyed).toBe(false);
  });

  it("reports CREATE_FAILURE and keeps nothing when creation fails", async () => {
    backend.failNext = "subnet 10.0.0.0/24 overlaps route 10.0.0.0/24 dev eth0";
    const broker = makeBroker(backend);
    const peer = broker.connect(root, "unix");
    const out = await acquire(peer, "shared");
    expect(out.reply.result).toMatchObject({
      $case: "error",
      value: { code: ErrorCode.ERROR_CODE_CREATE_FAILURE, message: expect.stringContaining("overlaps") },
    });
    expect((await broker.status()).networks.filter((n) => n.live)).toHaveLength(0);
    expect(errorCode((await acquire(peer, "shared")).reply)).toBe(0);
  });

  it("gives back a network whose requester left during creation", async () => {
    let open!: () => void;
    backend.gate = new Promise((resolve) => (open = resolve));
    const broker = makeBroker(backend, { idleDelayMs: 100 });
    const peer = broker.connect(root, "unix");
    const pending = acquire(peer, "shared");
    peer.close();
    open();
    expect(errorCode((await pending).reply)).not.toBe(0);
    await vi.advanceTimersByTimeAsync(100);
    expect(backend.created[0]?.destroyed).toBe(true);
  });

  it("refuses peers outside allowed_users/allowed_groups with NOT_ALLOWED", async () => {
    const lab: NetworkConfig = { ...BUILTIN_NETWORKS[0]!, name: "lab", allowedUids: new Set([1000]), allowedGids: new Set([500]) };
    const broker = makeBroker(backend, { config: configWith(lab) });
    expect(errorCode((await acquire(broker.connect({ uid: 1000, gid: 1000, pid: 2 }, "unix"), "lab")).reply)).toBe(0);
    expect(errorCode((await acquire(broker.connect({ uid: 1001, gid: 1001, pid: 3 }, "unix"), "lab")).reply)).toBe(0);
    const denied = await acquire(broker.connect({ uid: 1002, gid: 1002, pid: 4 }, "unix"), "lab");
    expect(errorCode(denied.reply)).toBe(ErrorCode.ERROR_CODE_NOT_ALLOWED);
  });

  it("takes group membership from the account database given at reload", async () => {
    const lab: NetworkConfig = { ...BUILTIN_NETWORKS[0]!, name: "lab", allowedGids: new Set([500]) };
    const broker = makeBroker(backend, { config: configWith(lab) });
    const carol = { uid: 1002, gid: 1002, pid: 5 };
    expect(errorCode((await acquire(broker.connect(carol, "unix"), "lab")).reply)).toBe(ErrorCode.ERROR_CODE_NOT_ALLOWED);
    // carol was added to group 500 and the broker reloaded.
    broker.reload(configWith(lab), { ...testAccounts, groupsOf: (uid, gid) => new Set(uid === 1002 ? [gid, 500] : [gid]) });
    expect(errorCode((await acquire(broker.connect(carol, "unix"), "lab")).reply)).toBe(0);
  });

  it("opens TAPs only on networks the peer holds and removes them with the peer", async () => {
    const broker = makeBroker(backend);
    const peer = broker.connect(root, "unix");
    const open = (queues: number) =>
      peer.handle(
        Request.create({
          id: 1,
          command: {
            $case: "openInterface",
            value: { networkName: "shared", kind: { $case: "tap", value: { vnetHeader: true, queues } } },
          },
        }),
        [],
      );
    expect(errorCode((await open(1)).reply)).toBe(ErrorCode.ERROR_CODE_NOT_ALLOWED);
    await acquire(peer, "shared");
    const out = await open(2);
    expect(out.reply.result).toMatchObject({ $case: "interface", value: { name: "faketap0", fdCount: 2 } });
    expect(out.fds).toHaveLength(2);
    for (const fd of out.fds) closeSync(fd);
    expect(errorCode((await open(17)).reply)).toBe(ErrorCode.ERROR_CODE_INVALID_REQUEST);
    expect((await broker.status()).networks[0]?.interfaces.map((i) => i.name)).toEqual(["faketap0"]);
    peer.close();
    expect(backend.created[0]?.removed).toEqual(["faketap0"]);
  });

  it("releases every network of a peer that holds several, with their interfaces, when it disconnects", async () => {
    const broker = makeBroker(backend, { idleDelayMs: 100 });
    const peer = broker.connect(root, "unix");
    const other = broker.connect(root, "unix");
    const tap = (networkName: string) =>
      peer.handle(
        Request.create({
          id: nextId++,
          command: { $case: "openInterface", value: { networkName, kind: { $case: "tap", value: { queues: 1 } } } },
        }),
        [],
      );
    for (const name of ["shared", "host"]) {
      await acquire(peer, name);
      closeAll((await tap(name)).fds);
    }
    await acquire(other, "host");
    peer.close();
    const status = await broker.status();
    expect(status.networks.map((n) => [n.network?.name, n.references, n.interfaces.length])).toEqual([
      ["shared", 0, 0],
      ["host", 1, 0],
    ]);
    expect(status.counters?.releases).toBe(2n);
    expect(backend.created.map((n) => n.removed)).toEqual([["faketap0"], ["faketap0"]]);
    await vi.advanceTimersByTimeAsync(100);
    // Only the network nobody else holds goes.
    expect(backend.created.map((n) => n.destroyed)).toEqual([true, false]);
  });

  it("closes file descriptors that arrive with requests that do not take them", async () => {
    const broker = makeBroker(backend);
    const peer = broker.connect(root, "unix");
    const fd = openSync("/dev/null", "r");
    const out = await peer.handle(Request.create({ id: 1, command: { $case: "acquire", value: { networkName: "shared" } } }), [fd]);
    expect(errorCode(out.reply)).toBe(ErrorCode.ERROR_CODE_INVALID_REQUEST);
    expect(fdOpen(fd)).toBe(false);
  });

  it("answers veth requests without exactly one namespace fd with INVALID_REQUEST", async () => {
    const broker = makeBroker(backend);
    const peer = broker.connect(root, "unix");
    await acquire(peer, "shared");
    const veth = (fds: number[]) =>
      peer.handle(
        Request.create({
          id: 1,
          command: { $case: "openInterface", value: { networkName: "shared", kind: { $case: "veth", value: { ifname: "eth0" } } } },
        }),
        fds,
      );
    // The fake backend has no veth support: with one fd the answer is UNSUPPORTED.
    const one = openSync("/dev/null", "r");
    expect(errorCode((await veth([one])).reply)).toBe(ErrorCode.ERROR_CODE_UNSUPPORTED);
    expect(fdOpen(one)).toBe(false);
  });

  it("gives openVeth the peer's uid and answers its refusals with NOT_ALLOWED and INVALID_REQUEST", async () => {
    const broker = makeBroker(backend);
    const peer = broker.connect({ uid: 4242, gid: 4242, pid: 9 }, "unix");
    await acquire(peer, "shared");
    const asked: VethOptions[] = [];
    const refusals = [new AccessDenied("not yours"), new InvalidArgument("not a namespace")];
    (backend.created[0] as BackendNetwork).openVeth = async (options) => {
      asked.push(options);
      throw refusals.shift();
    };
    const veth = () =>
      peer.handle(
        Request.create({
          id: 1,
          command: { $case: "openInterface", value: { networkName: "shared", kind: { $case: "veth", value: { ifname: "eth1" } } } },
        }),
        [openSync("/dev/null", "r")],
      );
    const denied = (await veth()).reply.result;
    expect(denied).toMatchObject({ $case: "error", value: { code: ErrorCode.ERROR_CODE_NOT_ALLOWED, message: "not yours" } });
    const invalid = (await veth()).reply.result;
    expect(invalid).toMatchObject({ $case: "error", value: { code: ErrorCode.ERROR_CODE_INVALID_REQUEST, message: "not a namespace" } });
    expect(asked).toMatchObject([
      { ifname: "eth1", peerUid: 4242 },
      { ifname: "eth1", peerUid: 4242 },
    ]);
    expect((await broker.status()).networks[0]?.interfaces).toEqual([]);
  });

  it("tells the service manager hook when the last peer leaves", async () => {
    const onNoPeers = vi.fn();
    const broker = makeBroker(backend, { onNoPeers });
    const a = broker.connect(root, "unix");
    const b = broker.connect(root, "unix");
    a.close();
    a.close();
    expect(onNoPeers).not.toHaveBeenCalled();
    b.close();
    expect(onNoPeers).toHaveBeenCalledTimes(1);
    expect(broker.peerCount).toBe(0);
  });

  it("answers hello with the lower protocol version and its features", async () => {
    const broker = makeBroker(backend);
    const out = await broker
      .connect(root, "unix")
      .handle(
        Request.create({ id: 2, command: { $case: "hello", value: { protocolVersion: 7, clientName: "t", clientVersion: "1" } } }),
        [],
      );
    expect(out.reply.result).toMatchObject({
      $case: "hello",
      value: { protocolVersion: 1, platform: "linux", features: ["status", "tap"] },
    });
  });

  it("removes every network at shutdown", async () => {
    const broker = makeBroker(backend);
    const peer = broker.connect(root, "unix");
    await acquire(peer, "shared");
    await acquire(peer, "host");
    await broker.shutdown();
    expect(backend.created.map((n) => n.destroyed)).toEqual([true, true]);
  });
});
