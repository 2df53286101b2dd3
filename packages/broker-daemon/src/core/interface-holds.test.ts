// SPDX-License-Identifier: Apache-2.0
import { closeSync } from "node:fs";
import { ErrorCode, type Interface, LeaseHolder, Request } from "@vmnet-broker/client/protocol";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BUILTIN_NETWORKS } from "../config/builtin.js";
import type { NetworkConfig } from "../config/network-config.js";
import { FakeBackend, FakeNetwork, makeBroker } from "./fake-backend.test-util.js";
import type { PeerConnection } from "./peer.js";

const alice = { uid: 1000, gid: 1000, pid: 10 };
const bob = { uid: 1001, gid: 1001, pid: 11 };
let nextId = 1;
const IDLE_MS = 1000;

const acquire = (peer: PeerConnection, name: string) =>
  peer.handle(Request.create({ id: nextId++, command: { $case: "acquire", value: { networkName: name } } }), []);

/** Opens a one-queue TAP; returns the Interface reply and closes its fds (the fake's are /dev/null). */
async function openTap(peer: PeerConnection, name: string, holder: LeaseHolder): Promise<Interface> {
  const out = await peer.handle(
    Request.create({
      id: nextId++,
      command: {
        $case: "openInterface",
        value: { networkName: name, kind: { $case: "tap", value: { vnetHeader: false, queues: 1, holder } } },
      },
    }),
    [],
  );
  for (const fd of out.fds) closeSync(fd);
  if (out.reply.result?.$case !== "interface") throw new Error(`expected an interface, got ${JSON.stringify(out.reply.result)}`);
  return out.reply.result.value;
}

describe("interface-held references", () => {
  let backend: FakeBackend;
  beforeEach(() => {
    vi.useFakeTimers();
    backend = new FakeBackend();
  });
  afterEach(() => vi.useRealTimers());

  it("keeps several networks alive through their interfaces after the peers left, until each link is gone", async () => {
    const broker = makeBroker(backend, { idleDelayMs: IDLE_MS });
    const a = broker.connect(alice, "unix");
    const b = broker.connect(bob, "unix");
    await acquire(a, "shared");
    await acquire(a, "host");
    await acquire(b, "shared");
    const held1 = await openTap(a, "shared", LeaseHolder.LEASE_HOLDER_INTERFACE);
    const held2 = await openTap(b, "shared", LeaseHolder.LEASE_HOLDER_INTERFACE);
    const byConnection = await openTap(a, "shared", LeaseHolder.LEASE_HOLDER_UNSPECIFIED);
    const onHost = await openTap(a, "host", LeaseHolder.LEASE_HOLDER_INTERFACE);
    expect([held1.holder, held2.holder, byConnection.holder, onHost.holder]).toEqual([
      LeaseHolder.LEASE_HOLDER_INTERFACE,
      LeaseHolder.LEASE_HOLDER_INTERFACE,
      LeaseHolder.LEASE_HOLDER_CONNECTION,
      LeaseHolder.LEASE_HOLDER_INTERFACE,
    ]);

    a.close();
    b.close();
    const [shared, host] = backend.created as [FakeNetwork, FakeNetwork];
    // Only the connection-held TAP went with its peer.
    expect(shared.removed).toEqual([byConnection.name]);
    let status = await broker.status();
    const sharedStatus = status.networks.find((n) => n.network?.name === "shared");
    expect(sharedStatus).toMatchObject({ references: 0, interfaceReferences: 2, removalInMs: 0n, live: true, adopted: false });
    expect(sharedStatus?.interfaces.map((i) => [i.name, i.holder, i.ownerUid])).toEqual([
      [held1.name, LeaseHolder.LEASE_HOLDER_INTERFACE, 1000],
      [held2.name, LeaseHolder.LEASE_HOLDER_INTERFACE, 1001],
    ]);
    // What the backend records follows the interfaces.
    expect(shared.notes.map((n) => n.name)).toEqual([held1.name, held2.name]);

    await vi.advanceTimersByTimeAsync(IDLE_MS * 5);
    expect(shared.destroyed || host.destroyed).toBe(false);

    backend.linkGone(held1.name);
    backend.linkGone(onHost.name);
    await vi.advanceTimersByTimeAsync(IDLE_MS + 1);
    // host lost its only holder; shared still has one.
    expect([shared.destroyed, host.destroyed]).toEqual([false, true]);
    status = await broker.status();
    expect(status.networks.filter((n) => n.live).map((n) => [n.network?.name, n.interfaceReferences])).toEqual([["shared", 1]]);

    backend.linkGone(held2.name);
    await vi.advanceTimersByTimeAsync(IDLE_MS + 1);
    expect(shared.destroyed).toBe(true);
    expect((await broker.status()).networks.filter((n) => n.live)).toEqual([]);
  });

  it("starts the idle countdown only when neither peers nor interfaces hold the network", async () => {
    const broker = makeBroker(backend, { idleDelayMs: IDLE_MS });
    const a = broker.connect(alice, "unix");
    await acquire(a, "shared");
    const tap = await openTap(a, "shared", LeaseHolder.LEASE_HOLDER_INTERFACE);
    backend.linkGone(tap.name);
    // The peer still holds it.
    await vi.advanceTimersByTimeAsync(IDLE_MS * 3);
    expect(backend.created[0]?.destroyed).toBe(false);
    a.close();
    await vi.advanceTimersByTimeAsync(IDLE_MS + 1);
    expect(backend.created[0]?.destroyed).toBe(true);
  });

  it("drops an interface whose link vanished before it was recorded", async () => {
    const broker = makeBroker(backend, { idleDelayMs: IDLE_MS });
    const a = broker.connect(alice, "unix");
    await acquire(a, "shared");
    const network = backend.created[0] as FakeNetwork;
    // The link is deleted while the reply is being built: no event reaches the core.
    const open = network.openTap.bind(network);
    network.openTap = async (options) => {
      const opened = await open(options);
      network.alive.delete(opened.name);
      return opened;
    };
    await openTap(a, "shared", LeaseHolder.LEASE_HOLDER_INTERFACE);
    a.close();
    const status = await broker.status();
    expect(status.networks[0]?.interfaceReferences).toBe(0);
    await vi.advanceTimersByTimeAsync(IDLE_MS + 1);
    expect(network.destroyed).toBe(true);
  });

  it("answers an unknown holder with INVALID_REQUEST", async () => {
    const broker = makeBroker(backend);
    const a = broker.connect(alice, "unix");
    await acquire(a, "shared");
    const out = await a.handle(
      Request.create({
        id: 1,
        command: {
          $case: "openInterface",
          value: { networkName: "shared", kind: { $case: "tap", value: { vnetHeader: false, queues: 1, holder: 9 } } },
        },
      }),
      [],
    );
    expect(out.reply.result).toMatchObject({ $case: "error", value: { code: ErrorCode.ERROR_CODE_INVALID_REQUEST } });
    expect(out.fds).toEqual([]);
  });

  it("gives every TAP a distinct locally administered guest MAC, none of the leases'", async () => {
    const broker = makeBroker(backend);
    const a = broker.connect(alice, "unix");
    await acquire(a, "shared");
    const macs = new Set<string>();
    for (let i = 0; i < 20; i++) macs.add((await openTap(a, "shared", LeaseHolder.LEASE_HOLDER_CONNECTION)).guestMac);
    expect(macs.size).toBe(20);
    for (const mac of macs) {
      expect(mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
      expect(Number.parseInt(mac.slice(0, 2), 16) & 0x03).toBe(0x02);
    }
    expect(macs.has("52:54:00:00:00:01")).toBe(false);
  });

  it("gives a user's TAP that user's DHCP reservation MAC while no live interface uses it, and fresh MACs after", async () => {
    const shared = BUILTIN_NETWORKS.find((n) => n.name === "shared") as NetworkConfig;
    const lab: NetworkConfig = {
      ...shared,
      subnet: "10.9.0.0",
      mask: "255.255.255.0",
      dhcpReservations: [
        { mac: "52:54:00:00:0b:0b", ip: "10.9.0.20", uid: bob.uid },
        { mac: "52:54:00:00:0a:0a", ip: "10.9.0.10", uid: alice.uid },
        { mac: "52:54:00:00:00:99", ip: "10.9.0.99" },
      ],
    };
    const broker = makeBroker(backend, { config: { networks: new Map([["shared", lab]]), errors: [], broken: new Set() } });
    const a = broker.connect(alice, "unix");
    await acquire(a, "shared");
    const first = await openTap(a, "shared", LeaseHolder.LEASE_HOLDER_CONNECTION);
    const second = await openTap(a, "shared", LeaseHolder.LEASE_HOLDER_CONNECTION);
    expect(first.guestMac).toBe("52:54:00:00:0a:0a");
    expect(second.guestMac).not.toBe("52:54:00:00:0a:0a");
    expect(["52:54:00:00:0b:0b", "52:54:00:00:00:99"]).not.toContain(second.guestMac);
    // Once the first TAP is gone, the reservation is the user's again.
    (backend.created[0] as FakeNetwork).alive.delete(first.name);
    backend.linkGone(first.name);
    expect((await openTap(a, "shared", LeaseHolder.LEASE_HOLDER_CONNECTION)).guestMac).toBe("52:54:00:00:0a:0a");
  });

  it("adopts leftovers held by their interfaces, with the recorded definition when the configuration changed", async () => {
    const recorded: NetworkConfig = { ...(BUILTIN_NETWORKS.find((n) => n.name === "shared") as NetworkConfig), mtu: 1400 };
    const left = new FakeNetwork(recorded);
    left.alive.add("vmtap-00000001");
    const note = {
      name: "vmtap-00000001",
      kind: "tap" as const,
      holder: "connection" as const,
      ownerUid: 1000,
      guestMac: "02:00:00:00:00:01",
    };
    const broker = makeBroker(backend, { idleDelayMs: IDLE_MS });
    broker.adopt([{ config: recorded, network: left, interfaces: [note], sameDefinition: (current) => current.mtu === recorded.mtu }]);
    const status = await broker.status();
    expect(status.networks[0]).toMatchObject({ adopted: true, references: 0, interfaceReferences: 1, network: { mtu: 1400 } });
    expect(status.networks[0]?.interfaces[0]).toMatchObject({ holder: LeaseHolder.LEASE_HOLDER_INTERFACE, ownerUid: 1000, peerId: 0n });
    // A reconnecting client gets the same network, not a new one.
    const a = broker.connect(alice, "unix");
    const reply = await acquire(a, "shared");
    expect(reply.reply.result).toMatchObject({ $case: "network", value: { bridge: "fake-shared", mtu: 1400 } });
    expect(backend.created).toEqual([]);
    a.close();
    await vi.advanceTimersByTimeAsync(IDLE_MS * 3);
    expect(left.destroyed).toBe(false);
    left.alive.delete(note.name);
    backend.linkGone(note.name);
    await vi.advanceTimersByTimeAsync(IDLE_MS + 1);
    expect(left.destroyed).toBe(true);
  });

  it("leaves networks with attached interfaces at a keeping shutdown and removes the rest", async () => {
    const broker = makeBroker(backend);
    const a = broker.connect(alice, "unix");
    await acquire(a, "shared");
    await acquire(a, "host");
    const tap = await openTap(a, "shared", LeaseHolder.LEASE_HOLDER_CONNECTION);
    broker.beginShutdown(true);
    a.close();
    await broker.shutdown();
    const [shared, host] = backend.created as [FakeNetwork, FakeNetwork];
    expect(shared.removed).toEqual([]);
    expect(shared.alive.has(tap.name)).toBe(true);
    expect([shared.left, shared.destroyed, host.left, host.destroyed]).toEqual([true, false, false, true]);
  });
});
