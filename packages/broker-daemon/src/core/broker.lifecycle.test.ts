// SPDX-License-Identifier: Apache-2.0
// The broker's bookkeeping at the edges: peers that leave while something is being
// created for them, replies that cannot be sent, what a departing peer takes with
// it, the counts the daemon's stop policy reads, and the hooks for the service manager.
import { closeSync, fstatSync, openSync } from "node:fs";
import { ErrorCode, InterfaceKind, type Reply, Request } from "@vmnet-broker/client/protocol";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { LogFields, Logger } from "../log.js";
import type { BackendNetwork, OpenedInterface, TapOptions } from "./backend.js";
import { FakeBackend, type FakeNetwork, makeBroker, testAccounts } from "./fake-backend.test-util.js";
import type { PeerConnection } from "./peer.js";

const alice = { uid: 1000, gid: 1000, pid: 77 };
const bob = { uid: 1001, gid: 1001, pid: 78 };
const acquireRequest = (networkName: string) => Request.create({ id: 3, command: { $case: "acquire", value: { networkName } } });
const tapRequest = (networkName: string, holder = 0) =>
  Request.create({
    id: 4,
    command: { $case: "openInterface", value: { networkName, kind: { $case: "tap", value: { vnetHeader: false, queues: 1, holder } } } },
  });
const errorOf = (reply: Reply) =>
  reply.result?.$case === "error" ? { code: reply.result.value.code, message: reply.result.value.message } : undefined;
const fdOpen = (fd: number) => {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
};
async function openTap(peer: PeerConnection, network: string, holder = 0) {
  const out = await peer.handle(tapRequest(network, holder), []);
  for (const fd of out.fds) closeSync(fd);
  return out.reply;
}
function recorder(): Logger & { events: (event: string) => (LogFields | undefined)[] } {
  const lines: { event: string; fields: LogFields | undefined }[] = [];
  return {
    log: (_level, event, fields) => void lines.push({ event, fields }),
    events: (e) => lines.filter((l) => l.event === e).map((l) => l.fields),
  };
}

describe("Broker lifecycle edges", () => {
  let backend: FakeBackend;
  beforeEach(() => {
    vi.useFakeTimers();
    backend = new FakeBackend();
  });
  afterEach(() => vi.useRealTimers());

  it("counts peers, the peers holding a network, and networks", async () => {
    const broker = makeBroker(backend);
    expect([broker.peerCount, broker.holderCount, broker.networkCount]).toEqual([0, 0, 0]);
    const a = broker.connect(alice, "unix");
    broker.connect(bob, "unix");
    expect([broker.peerCount, broker.holderCount, broker.networkCount]).toEqual([2, 0, 0]);
    await a.handle(acquireRequest("shared"), []);
    await a.handle(acquireRequest("host"), []);
    expect([broker.peerCount, broker.holderCount, broker.networkCount]).toEqual([2, 1, 2]);
  });

  it("calls onFirstPeer when a peer arrives to an empty broker, and only then", () => {
    const onFirstPeer = vi.fn();
    const broker = makeBroker(backend, { onFirstPeer });
    const a = broker.connect(alice, "unix");
    expect(onFirstPeer).toHaveBeenCalledTimes(1);
    const b = broker.connect(bob, "unix");
    expect(onFirstPeer).toHaveBeenCalledTimes(1);
    a.close();
    b.close();
    broker.connect(alice, "unix");
    expect(onFirstPeer).toHaveBeenCalledTimes(2);
  });

  it("says why it gives back a network whose requester left during creation", async () => {
    let open!: () => void;
    backend.gate = new Promise((resolve) => (open = resolve));
    const peer = makeBroker(backend).connect(alice, "unix");
    const pending = peer.handle(acquireRequest("shared"), []);
    peer.close();
    open();
    expect(errorOf((await pending).reply)).toEqual({ code: ErrorCode.ERROR_CODE_TRANSPORT_FAILURE, message: "peer disconnected" });
  });

  it("removes a TAP whose requester left while it was being opened, closing its fds", async () => {
    const broker = makeBroker(backend);
    const peer = broker.connect(alice, "unix");
    await peer.handle(acquireRequest("shared"), []);
    const network = backend.created[0] as FakeNetwork;
    const realOpen = network.openTap.bind(network);
    let opened: OpenedInterface | undefined;
    let proceed!: () => void;
    const gate = new Promise<void>((resolve) => (proceed = resolve));
    network.openTap = async (options: TapOptions) => {
      opened = await realOpen({ ...options, vhostNet: false });
      await gate;
      return opened;
    };
    const pending = peer.handle(tapRequest("shared"), []);
    await vi.advanceTimersByTimeAsync(0);
    peer.close();
    proceed();
    const out = await pending;
    expect(errorOf(out.reply)).toEqual({ code: ErrorCode.ERROR_CODE_TRANSPORT_FAILURE, message: "peer disconnected" });
    expect(out.fds).toEqual([]);
    expect(opened?.fds.map(fdOpen)).toEqual([false]);
    expect(network.removed).toEqual(["faketap0"]);
  });

  it("opens a TAP even when the lease table cannot be read", async () => {
    const peer = makeBroker(backend).connect(alice, "unix");
    await peer.handle(acquireRequest("shared"), []);
    (backend.created[0] as FakeNetwork).leases = () => Promise.reject(new Error("no dnsmasq"));
    const reply = await openTap(peer, "shared");
    expect(reply.result).toMatchObject({ $case: "interface", value: { kind: InterfaceKind.INTERFACE_KIND_TAP, name: "faketap0" } });
    expect(reply.result?.$case === "interface" && reply.result.value.guestMac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
  });

  it("answers a veth with its kind, no guest MAC, no vhost fds, and logs it as such", async () => {
    const logger = recorder();
    const peer = makeBroker(backend, { logger }).connect(alice, "unix");
    await peer.handle(acquireRequest("shared"), []);
    const network = backend.created[0] as FakeNetwork;
    (network as BackendNetwork).openVeth = async (options) => {
      closeSync(options.netnsFd);
      network.alive.add("veth-a");
      return { name: "veth-a", peerIfname: options.ifname, mac: "52:54:00:aa:bb:cc", fds: [] };
    };
    const out = await peer.handle(
      Request.create({
        id: 5,
        command: { $case: "openInterface", value: { networkName: "shared", kind: { $case: "veth", value: { ifname: "eth1" } } } },
      }),
      [openSync("/dev/null", "r")],
    );
    expect(out.fds).toEqual([]);
    expect(out.reply.result).toMatchObject({
      $case: "interface",
      value: { kind: InterfaceKind.INTERFACE_KIND_VETH, name: "veth-a", peerIfname: "eth1", guestMac: "", vhostFdCount: 0, fdCount: 0 },
    });
    expect(logger.events("interface-opened")).toEqual([
      {
        peer: 1n,
        network: "shared",
        kind: "veth",
        interface: "veth-a",
        fds: 0,
        vhost_fds: undefined,
        named: undefined,
        holder: "connection",
        guest_mac: undefined,
      },
    ]);
  });

  it("refuses fds on a request without a command, or an open_interface without a kind", async () => {
    const peer = makeBroker(backend).connect(alice, "unix");
    await peer.handle(acquireRequest("shared"), []);
    const refusal = { code: ErrorCode.ERROR_CODE_INVALID_REQUEST, message: "this request must not carry file descriptors" };
    const fds = [openSync("/dev/null", "r"), openSync("/dev/null", "r")];
    expect(errorOf((await peer.handle(Request.create({ id: 1 }), [fds[0]!])).reply)).toEqual(refusal);
    const kindless = Request.create({ id: 2, command: { $case: "openInterface", value: { networkName: "shared" } } });
    expect(errorOf((await peer.handle(kindless, [fds[1]!])).reply)).toEqual(refusal);
    expect(fds.map(fdOpen)).toEqual([false, false]);
  });

  it("names the networks a connection holds when it reaches max-networks-per-peer", async () => {
    const broker = makeBroker(backend, { limits: { maxNetworksPerPeer: 1 } });
    const p = broker.connect(alice, "unix");
    await p.handle(acquireRequest("shared"), []);
    expect(errorOf((await p.handle(acquireRequest("host"), [])).reply)).toEqual({
      code: ErrorCode.ERROR_CODE_LIMIT_EXCEEDED,
      message: "limit max-networks-per-peer (1) reached for this connection; it holds shared",
    });
  });

  it("undoes an acquire whose reply cannot be sent, and logs it", async () => {
    const logger = recorder();
    const broker = makeBroker(backend, { logger });
    const create = backend.createNetwork.bind(backend);
    backend.createNetwork = async (config) => {
      const network = await create(config);
      Object.defineProperty(network, "info", { value: { ...network.info, bridge: "b".repeat(5 * 1024 * 1024) } });
      return network;
    };
    const peer = broker.connect(alice, "unix");
    const out = await peer.handle(acquireRequest("shared"), []);
    expect(errorOf(out.reply)?.code).toBe(ErrorCode.ERROR_CODE_INTERNAL_ERROR);
    expect(logger.events("acquire-undone")).toEqual([{ peer: 1n, network: "shared" }]);
    const status = await broker.status();
    expect(status.peers[0]?.networks).toEqual([]);
    expect(status.networks.find((n) => n.network?.name === "shared")?.references).toBe(0);
    expect(status.counters?.acquires).toBe(0n);
  });

  it("takes only the departing peer's connection-held interfaces, and logs the references left", async () => {
    const logger = recorder();
    const broker = makeBroker(backend, { logger });
    const a = broker.connect(alice, "unix");
    const b = broker.connect(bob, "unix");
    await a.handle(acquireRequest("shared"), []);
    await b.handle(acquireRequest("shared"), []);
    await openTap(a, "shared"); // faketap0: a's, connection-held
    await openTap(a, "shared", 2); // faketap1: a's, interface-held
    await openTap(b, "shared"); // faketap2: b's
    const network = backend.created[0] as FakeNetwork;
    a.close();
    await vi.advanceTimersByTimeAsync(0);
    expect(network.removed).toEqual(["faketap0"]);
    expect(network.notes.map((n) => n.name)).toEqual(["faketap1", "faketap2"]);
    expect(logger.events("release")).toEqual([{ peer: 1n, network: "shared", refs: 1 }]);
  });

  it("rewrites the interface record on departure only when an interface went", async () => {
    const broker = makeBroker(backend);
    const a = broker.connect(alice, "unix");
    await a.handle(acquireRequest("shared"), []);
    const network = backend.created[0] as FakeNetwork;
    const note = vi.spyOn(network, "noteInterfaces");
    a.close();
    await vi.advanceTimersByTimeAsync(0);
    expect(note).not.toHaveBeenCalled();
  });

  it("leaves a departing peer's interfaces in place while stopping with networks kept", async () => {
    const broker = makeBroker(backend);
    const a = broker.connect(alice, "unix");
    await a.handle(acquireRequest("shared"), []);
    await openTap(a, "shared");
    broker.beginShutdown(true);
    a.close();
    await vi.advanceTimersByTimeAsync(0);
    expect((backend.created[0] as FakeNetwork).removed).toEqual([]);
  });

  it("removes a TAP that finished opening after shutdown removed its network", async () => {
    const broker = makeBroker(backend);
    const peer = broker.connect(alice, "unix");
    await peer.handle(acquireRequest("shared"), []);
    const network = backend.created[0] as FakeNetwork;
    const realOpen = network.openTap.bind(network);
    let proceed!: () => void;
    const gate = new Promise<void>((resolve) => (proceed = resolve));
    network.openTap = async (options: TapOptions) => {
      const opened = await realOpen(options);
      await gate;
      return opened;
    };
    const pending = peer.handle(tapRequest("shared"), []);
    await vi.advanceTimersByTimeAsync(0);
    await broker.shutdown();
    proceed();
    const out = await pending;
    expect(errorOf(out.reply)).toEqual({ code: ErrorCode.ERROR_CODE_TRANSPORT_FAILURE, message: "peer disconnected" });
    expect(network.removed).toEqual(["faketap0"]);
  });

  it("looks no group up for status when no admin group is configured", async () => {
    const looked: unknown[] = [];
    const accounts = { ...testAccounts, gidOf: (name: string) => (looked.push(name), testAccounts.gidOf(name)) };
    const peer = makeBroker(backend, { accounts }).connect(alice, "unix");
    await peer.handle(Request.create({ id: 1, command: { $case: "status", value: {} } }), []);
    expect(looked).toEqual([]);
    const admin = makeBroker(backend, { accounts, adminGroup: "vm" }).connect(alice, "unix");
    await admin.handle(Request.create({ id: 1, command: { $case: "status", value: {} } }), []);
    expect(looked).toEqual(["vm"]);
  });

  it("records each interface for the next broker with its holder, owner, guest MAC, and whether it is named", async () => {
    const peer = makeBroker(backend).connect(alice, "unix");
    await peer.handle(acquireRequest("shared"), []);
    const first = await openTap(peer, "shared", 2);
    await peer.handle(
      Request.create({
        id: 6,
        command: { $case: "openInterface", value: { networkName: "shared", kind: { $case: "tap", value: { queues: 1, named: true } } } },
      }),
      [],
    );
    const network = backend.created[0] as FakeNetwork;
    const guest = first.result?.$case === "interface" ? first.result.value.guestMac : "";
    expect(network.notes).toStrictEqual([
      { name: "faketap0", kind: "tap", holder: "interface", ownerUid: 1000, guestMac: guest },
      { name: "faketap1", kind: "tap", holder: "connection", ownerUid: 1000, guestMac: expect.any(String), named: true },
    ]);
  });

  it("records nothing, and logs no failure, for a backend that keeps no record", async () => {
    const logger = recorder();
    const peer = makeBroker(backend, { logger }).connect(alice, "unix");
    await peer.handle(acquireRequest("shared"), []);
    (backend.created[0] as BackendNetwork).noteInterfaces = undefined;
    await openTap(peer, "shared");
    expect(logger.events("record-failed")).toEqual([]);
  });

  it("does not keep at shutdown a network whose interfaces are all gone", async () => {
    const broker = makeBroker(backend);
    const peer = broker.connect(alice, "unix");
    await peer.handle(acquireRequest("shared"), []);
    await openTap(peer, "shared", 2);
    const network = backend.created[0] as FakeNetwork;
    network.alive.clear();
    broker.beginShutdown(true);
    await broker.shutdown();
    expect([network.destroyed, network.left]).toEqual([true, false]);
  });
});
