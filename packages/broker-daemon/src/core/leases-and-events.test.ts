// SPDX-License-Identifier: Apache-2.0
import { closeSync } from "node:fs";
import { ErrorCode, type Event, EventType, type Reply, Request } from "@vmnet-broker/client/protocol";
import { describe, expect, it } from "vitest";
import { BUILTIN_NETWORKS } from "../config/builtin.js";
import type { NetworkConfig } from "../config/network-config.js";
import { FakeBackend, makeBroker } from "./fake-backend.test-util.js";
import type { PeerConnection } from "./peer.js";

// testAccounts: alice is uid 1000, bob uid 1001.
const root = { uid: 0, gid: 0, pid: 100 };
const alice = { uid: 1000, gid: 1000, pid: 200 };
const bob = { uid: 1001, gid: 1001, pid: 300 };
const base = BUILTIN_NETWORKS[0] as NetworkConfig;
const lab: NetworkConfig = { ...base, name: "lab", allowedUids: new Set([1000]) };
const GUEST = "52:54:00:aa:bb:cc";

function setup() {
  const backend = new FakeBackend();
  const config = { networks: new Map([...BUILTIN_NETWORKS, lab].map((n) => [n.name, n])), errors: [], broken: new Set<string>() };
  const broker = makeBroker(backend, { config });
  return { backend, broker };
}

let id = 1;
async function send(peer: PeerConnection, command: NonNullable<Parameters<typeof Request.create>[0]>["command"]): Promise<Reply> {
  const out = await peer.handle(Request.create({ id: id++, command }), []);
  for (const fd of out.fds) closeSync(fd);
  return out.reply;
}
const lease = (peer: PeerConnection, networkName: string, mac: string, waitMs: number) =>
  send(peer, { $case: "lease", value: { networkName, mac, waitMs } });
const codeOf = (reply: Reply) => (reply.result?.$case === "error" ? reply.result.value.code : ErrorCode.ERROR_CODE_SUCCESS);

/** A peer whose pushed events are collected. */
function subscriber(broker: ReturnType<typeof setup>["broker"], who: typeof root) {
  const events: Event[] = [];
  const peer = broker.connect(who, "unix", (reply) => {
    if (reply.result?.$case === "event") events.push(reply.result.value);
  });
  return { peer, events };
}

describe("lease look-up", () => {
  it("answers at once when the guest has a lease", async () => {
    const { backend, broker } = setup();
    const peer = broker.connect(root, "unix");
    await send(peer, { $case: "acquire", value: { networkName: "shared" } });
    await new Promise((r) => setImmediate(r));
    const network = backend.created[0];
    if (network === undefined) throw new Error("no network");
    Object.assign(network, { ipv6Of: async (mac: string) => (mac === "52:54:00:00:00:01" ? ["fd00::10"] : []) });
    const reply = await lease(peer, "shared", "52:54:00:00:00:01", 0);
    expect(reply.result).toMatchObject({
      $case: "lease",
      value: { ip: "10.9.0.10", networkName: "shared", hostname: "guest", ipv6: ["fd00::10"] },
    });
    expect(backend.created).toHaveLength(1);
  });

  it("waits for a guest (even before the network is live) and answers with its lease", async () => {
    const { backend, broker } = setup();
    const waiter = broker.connect(alice, "unix");
    const pending = lease(waiter, "shared", GUEST.toUpperCase(), 5_000);
    await send(broker.connect(root, "unix"), { $case: "acquire", value: { networkName: "shared" } });
    const network = backend.created[0];
    if (network === undefined) throw new Error("no network");
    network.setLeases([{ mac: GUEST, ip: "10.9.0.20", hostname: "vm1", expiresUnix: 0 }]);
    const reply = await pending;
    // Not alice's interface: the address, not the host name.
    expect(reply.result).toMatchObject({ $case: "lease", value: { mac: GUEST, ip: "10.9.0.20", hostname: "" } });
  });

  it("answers NOT_FOUND after the wait, and at once without one", async () => {
    const { broker } = setup();
    const peer = broker.connect(root, "unix");
    expect(codeOf(await lease(peer, "shared", GUEST, 0))).toBe(ErrorCode.ERROR_CODE_NOT_FOUND);
    const started = Date.now();
    expect(codeOf(await lease(peer, "shared", GUEST, 50))).toBe(ErrorCode.ERROR_CODE_NOT_FOUND);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it("refuses networks the peer may not acquire, unknown networks and bad MACs", async () => {
    const { broker } = setup();
    const peer = broker.connect(bob, "unix");
    expect(codeOf(await lease(peer, "lab", GUEST, 0))).toBe(ErrorCode.ERROR_CODE_NOT_ALLOWED);
    expect(codeOf(await lease(peer, "nope", GUEST, 0))).toBe(ErrorCode.ERROR_CODE_NOT_FOUND);
    expect(codeOf(await lease(peer, "shared", "52:54:00", 0))).toBe(ErrorCode.ERROR_CODE_INVALID_REQUEST);
  });

  it("ends the waits on a network with NOT_FOUND naming its removal, and only those", async () => {
    const broker = makeBroker(new FakeBackend(), { idleDelayMs: 0 });
    const holder = broker.connect(root, "unix");
    await send(holder, { $case: "acquire", value: { networkName: "shared" } });
    await send(broker.connect(root, "unix"), { $case: "acquire", value: { networkName: "host" } });
    // One request at a time per connection: a connection per wait.
    const waiter = () => broker.connect(alice, "unix");
    const onShared = [lease(waiter(), "shared", GUEST, 60_000), lease(waiter(), "shared", "52:54:00:aa:bb:cd", 60_000)];
    const hostWaiter = waiter();
    let onHostEnded = false;
    const onHost = lease(hostWaiter, "host", GUEST, 60_000).finally(() => {
      onHostEnded = true;
    });
    holder.close(); // Its network goes at once (idle delay 0).
    for (const reply of await Promise.all(onShared)) {
      expect(reply.result).toMatchObject({
        $case: "error",
        value: { code: ErrorCode.ERROR_CODE_NOT_FOUND, message: expect.stringContaining("network 'shared' was removed while waiting") },
      });
    }
    expect(onHostEnded).toBe(false);
    hostWaiter.close();
    expect(codeOf(await onHost)).toBe(ErrorCode.ERROR_CODE_TRANSPORT_FAILURE);
  });

  it("ends the wait when the peer goes", async () => {
    const { broker } = setup();
    const peer = broker.connect(root, "unix");
    const pending = lease(peer, "shared", GUEST, 60_000);
    peer.close();
    expect(codeOf(await pending)).toBe(ErrorCode.ERROR_CODE_TRANSPORT_FAILURE);
  });
});

describe("events", () => {
  it("streams network, interface and lease events in sequence, with the subscribe id", async () => {
    const { backend, broker } = setup();
    const replies: Reply[] = [];
    const peer = broker.connect(root, "unix", (reply) => replies.push(reply));
    const subscribed = await peer.handle(Request.create({ id: 77, command: { $case: "subscribe", value: {} } }), []);
    const first = subscribed.reply.result?.$case === "subscription" ? subscribed.reply.result.value.nextSequence : 0n;
    const user = broker.connect(alice, "unix");
    await send(user, { $case: "acquire", value: { networkName: "shared" } });
    const tap = await send(user, {
      $case: "openInterface",
      value: { networkName: "shared", kind: { $case: "tap", value: { vnetHeader: false, queues: 1 } } },
    });
    const guestMac = tap.result?.$case === "interface" ? tap.result.value.guestMac : "";
    const network = backend.created[0];
    const guest = { mac: guestMac, ip: "10.9.0.30", hostname: "vm", expiresUnix: 0 };
    network?.setLeases([...(network?.leaseTable ?? []), guest]);
    await new Promise((r) => setImmediate(r));
    network?.setLeases([guest]);
    await new Promise((r) => setImmediate(r));
    network?.setLeases([]);
    await new Promise((r) => setImmediate(r));
    user.close();
    const events = replies.map((r) => (r.result?.$case === "event" ? r.result.value : undefined));
    expect(replies.every((r) => r.id === 77)).toBe(true);
    expect(events.map((e) => e?.type)).toEqual([
      EventType.EVENT_TYPE_PEER_CONNECTED,
      EventType.EVENT_TYPE_NETWORK_CREATED,
      EventType.EVENT_TYPE_INTERFACE_OPENED,
      EventType.EVENT_TYPE_LEASE_ADDED,
      EventType.EVENT_TYPE_LEASE_EXPIRED,
      EventType.EVENT_TYPE_LEASE_EXPIRED,
      EventType.EVENT_TYPE_INTERFACE_REMOVED,
      EventType.EVENT_TYPE_PEER_GONE,
    ]);
    expect(events.map((e) => e?.lease?.mac ?? "")).toEqual(["", "", "", guestMac, "52:54:00:00:00:01", guestMac, "", ""]);
    expect(events.map((e) => e?.sequence)).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n].map((n) => first + n));
    expect(events[3]?.lease).toMatchObject({ mac: guestMac, ip: "10.9.0.30", networkName: "shared" });
  });

  it("shows a non-admin only its own part", async () => {
    const { backend, broker } = setup();
    const watcher = subscriber(broker, bob);
    await send(watcher.peer, { $case: "subscribe", value: {} });
    const other = broker.connect(alice, "unix");
    await send(other, { $case: "acquire", value: { networkName: "lab" } });
    await send(other, { $case: "acquire", value: { networkName: "shared" } });
    await send(other, {
      $case: "openInterface",
      value: { networkName: "shared", kind: { $case: "tap", value: { vnetHeader: false, queues: 1 } } },
    });
    const guestMac = backend.created.length > 0 ? "52:54:00:00:00:02" : "";
    backend.created[1]?.setLeases([{ mac: guestMac, ip: "10.9.0.40", hostname: "", expiresUnix: 0 }]);
    await new Promise((r) => setImmediate(r));
    const mine = broker.connect(bob, "unix");
    mine.close();
    // Only "shared" being created (bob may acquire it) and bob's own peer.
    expect(watcher.events.map((e) => [e.type, e.networkName])).toEqual([
      [EventType.EVENT_TYPE_NETWORK_CREATED, "shared"],
      [EventType.EVENT_TYPE_PEER_CONNECTED, ""],
      [EventType.EVENT_TYPE_PEER_GONE, ""],
    ]);
  });

  it("answers any request after subscribe with INVALID_REQUEST", async () => {
    const { broker } = setup();
    const { peer } = subscriber(broker, root);
    await send(peer, { $case: "subscribe", value: {} });
    expect(codeOf(await send(peer, { $case: "status", value: {} }))).toBe(ErrorCode.ERROR_CODE_INVALID_REQUEST);
  });

  it("is UNSUPPORTED on a transport that cannot stream", async () => {
    const { broker } = setup();
    const peer = broker.connect(root, "xpc");
    expect(codeOf(await send(peer, { $case: "subscribe", value: {} }))).toBe(ErrorCode.ERROR_CODE_UNSUPPORTED);
  });
});
