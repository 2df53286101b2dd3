// SPDX-License-Identifier: Apache-2.0
// The real XPC listener (native/src/darwin/xpc_listener.cc) under Node, on the
// fake libxpc and libdispatch, feeding the real XpcTransport, core and vmnet
// backend. Only vmnet is a double here, and its serialization is a real
// (fake-libxpc) XPC object. Run by run.sh with FAKE_XPC_ADDON set.
import { createRequire } from "node:module";
import { EventType, Reply, Request } from "@vmnet-broker/client/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createVmnetBackend } from "../../../packages/broker-daemon/src/backend/vmnet/vmnet-backend.js";
import { summarize } from "../../../packages/broker-daemon/src/cli/acquire-xpc.js";
import { loadConfig } from "../../../packages/broker-daemon/src/config/load.js";
import type { AccountDatabase } from "../../../packages/broker-daemon/src/config/users.js";
import { Broker } from "../../../packages/broker-daemon/src/core/broker.js";
import { silentLogger } from "../../../packages/broker-daemon/src/log.js";
import type {
  DarwinNative,
  VmnetCreated,
  VmnetNative,
  VmnetNetworkHandle,
  XpcClientNative,
  XpcNative,
} from "../../../packages/broker-daemon/src/transport/xpc/darwin-native.js";
import { XpcSession, xpcStatus } from "../../../packages/broker-daemon/src/transport/xpc/xpc-client.js";
import { xpcEvents } from "../../../packages/broker-daemon/src/transport/xpc/xpc-events.js";
import { XpcTransport, type XpcTransportEvent } from "../../../packages/broker-daemon/src/transport/xpc/xpc-transport.js";
import type { XpcDictionary, XpcValue } from "../../../packages/broker-daemon/src/transport/xpc/xpc-value.js";

interface TestAddon extends XpcNative, XpcClientNative {
  pushed(peer: object): XpcDictionary[];
  stall(peer: object, stalled: boolean): void;
  connect(service: string, euid: number, egid: number, pid: number): object | null;
  send(peer: object, message: XpcValue): Promise<XpcDictionary>;
  sendNoReply(peer: object, message: XpcValue): void;
  drop(peer: object): void;
  openTransactions(): number;
  listening(service: string): boolean;
  liveObjects(): number;
  wrap(value: XpcValue): unknown;
}

const addon = createRequire(import.meta.url)(process.env.FAKE_XPC_ADDON as string) as TestAddon;
const SERVICE = "com.example.vmnet-broker.test";
const accounts: AccountDatabase = {
  uidOf: () => undefined,
  gidOf: () => undefined,
  userName: () => undefined,
  groupsOf: (_u, gid) => new Set([gid]),
};

const str = (value: string): XpcValue => ({ type: "string", value });
const dict = (record: Record<string, XpcValue>): XpcDictionary => ({ type: "dictionary", entries: Object.entries(record) });
const acquire = (name: string) => dict({ command: str("acquire"), network_name: str(name) });
const statusRequest = dict({
  command: str("request"),
  request: { type: "data", value: Request.encode({ id: 1, command: { $case: "status", value: {} } }).finish() },
});
const get = (d: XpcDictionary, key: string) => d.entries.find(([k]) => k === key)?.[1];
const subscribeRequest = dict({
  command: str("request"),
  request: { type: "data", value: Request.encode({ id: 9, command: { $case: "subscribe", value: {} } }).finish() },
});
/** The Reply inside a {reply: data} message. */
function replyIn(message: XpcDictionary): Reply {
  const data = get(message, "reply");
  if (data?.type !== "data") throw new Error(`no reply data in ${JSON.stringify(message.entries.map(([k]) => k))}`);
  return Reply.decode(data.value);
}

/** vmnet stand-in whose serializations are real XPC objects of the fake libxpc. */
class VmnetWithXpcSerialization implements VmnetNative {
  released = 0;
  created = 0;
  async vmnetCreateNetwork(options: { mode: string }): Promise<VmnetCreated> {
    this.created++;
    return {
      network: { n: this.created } as unknown as VmnetNetworkHandle,
      serialization: addon.wrap(dict({ mode: str(options.mode), n: { type: "uint64", value: BigInt(this.created) } })),
      subnet: "192.168.64.1",
      mask: "255.255.255.0",
      ipv6Prefix: "fd00::",
      ipv6PrefixLength: 64,
    };
  }
  vmnetReleaseNetwork(): void {
    this.released++;
  }
}

async function until(condition: () => boolean, what: string): Promise<void> {
  // Events cross threads: poll with a safety limit, never assert on time.
  for (let i = 0; i < 500; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("native XPC listener on the fake libxpc", () => {
  let broker: Broker;
  let transport: XpcTransport;
  let vmnet: VmnetWithXpcSerialization;
  let events: XpcTransportEvent[];

  beforeEach(async () => {
    vmnet = new VmnetWithXpcSerialization();
    events = [];
    broker = new Broker({
      backend: createVmnetBackend({ native: vmnet }),
      config: await loadConfig("/nonexistent-config-dir", { accounts }),
      accounts,
      logger: silentLogger,
      version: "test",
      idleDelayMs: 60_000,
    });
    transport = XpcTransport.listen(broker, { serviceName: SERVICE, native: addon, onEvent: (e) => events.push(e) });
  });

  afterEach(async () => {
    transport.close();
    await broker.shutdown();
  });

  it("registers the Mach service and answers an acquire with the serialization object", async () => {
    expect(addon.listening(SERVICE)).toBe(true);
    const peer = addon.connect(SERVICE, 501, 20, 4242);
    expect(peer).not.toBeNull();
    const reply = await addon.send(peer as object, acquire("shared"));
    expect(reply.entries.map(([k]) => k)).toEqual(["network"]);
    expect(get(reply, "network")).toEqual(dict({ mode: str("shared"), n: { type: "uint64", value: 1n } }));
    await until(() => addon.openTransactions() === 1, "one open transaction");
  });

  it("takes the peer's identity from the connection's euid", async () => {
    addon.connect(SERVICE, 777, 30, 999);
    // Status leaves out the asker's own connection, so root asks about the other.
    const root = addon.connect(SERVICE, 0, 0, 1) as object;
    const reply = await addon.send(root, statusRequest);
    const data = get(reply, "reply");
    if (data?.type !== "data") throw new Error("no reply data");
    const status = Reply.decode(data.value).result;
    expect(status?.$case).toBe("status");
    if (status?.$case !== "status") return;
    expect(status.value.peers.map((p) => [p.uid, p.gid, p.pid])).toEqual([[777, 30, 999]]);
  });

  it("answers malformed messages with error 4 and keeps the connection", async () => {
    const peer = addon.connect(SERVICE, 501, 20, 1) as object;
    expect(get(await addon.send(peer, dict({ command: str("nope") })), "error")).toEqual({ type: "int64", value: 4n });
    expect(get(await addon.send(peer, dict({ network_name: str("shared") })), "error")).toEqual({ type: "int64", value: 4n });
    expect(get(await addon.send(peer, acquire("shared")), "network")).toBeDefined();
  });

  it("releases a dead peer's networks and ends its transaction", async () => {
    const a = addon.connect(SERVICE, 501, 20, 1) as object;
    const b = addon.connect(SERVICE, 502, 20, 2) as object;
    await addon.send(a, acquire("shared"));
    await addon.send(b, acquire("shared"));
    expect(vmnet.created).toBe(1);
    await until(() => addon.openTransactions() === 2, "two open transactions");
    addon.drop(a);
    await until(() => broker.peerCount === 1, "the dropped peer's disconnect");
    expect(addon.openTransactions()).toBe(1);
    const status = await broker.status();
    expect(status.networks.find((n) => n.network?.name === "shared")?.references).toBe(1);
    addon.drop(b);
    await until(() => broker.peerCount === 0 && addon.openTransactions() === 0, "every peer gone");
  });

  it("handles a message sent without a reply context", async () => {
    const peer = addon.connect(SERVICE, 501, 20, 1) as object;
    addon.sendNoReply(peer, acquire("host"));
    await until(() => vmnet.created === 1, "the acquire without reply");
    expect(events).toEqual([]);
  });

  it("serves the CLI's status over the native XPC client", async () => {
    const vm = addon.connect(SERVICE, 501, 20, 1) as object;
    await addon.send(vm, acquire("shared"));
    // xpcStatus only needs the client half of the addon.
    const status = await xpcStatus(SERVICE, addon as unknown as DarwinNative);
    expect(status.platform).toBe("darwin");
    expect(status.networks.find((n) => n.network?.name === "shared")?.references).toBe(1);
    // The CLI's own connection is not listed.
    expect(status.peers.map((p) => p.uid)).toEqual([501]);
    // The CLI's connection is gone once the call returns (it is cancelled).
    await until(() => broker.peerCount === 1, "the CLI's connection to close");
  });

  it("holds networks on the CLI's XPC session until it closes (vmnet-broker acquire)", async () => {
    const session = XpcSession.open(SERVICE, addon);
    const held = await session.acquire("shared");
    expect(held.network).toMatchObject({ name: "shared", subnet: "192.168.64.0", gateway: "192.168.64.1" });
    expect(summarize(held.serialization)).toBe("xpc dictionary, 2 keys");
    await expect(session.acquire("nope")).rejects.toMatchObject({ code: 5 });
    const holders = (await broker.status()).networks.find((n) => n.network?.name === "shared")?.references;
    expect(holders).toBe(1);
    session.close();
    session.close(); // idempotent
    await until(() => broker.peerCount === 0, "the session to close");
    expect((await broker.status()).networks.find((n) => n.network?.name === "shared")?.references).toBe(0);
    await expect(session.acquire("shared")).rejects.toMatchObject({ code: 1, message: expect.stringContaining("closed") });
  });

  it("reports a service nobody listens on as a transport failure", async () => {
    await expect(xpcStatus("com.example.nobody", addon as unknown as DarwinNative)).rejects.toMatchObject({
      code: 1,
      message: expect.stringContaining("XPC_ERROR_CONNECTION_INVALID"),
    });
  });

  it("survives many peers that vanish mid-request", async () => {
    const peers = Array.from({ length: 24 }, (_, i) => addon.connect(SERVICE, 600 + i, 20, 1000 + i) as object);
    const answered: Promise<XpcDictionary>[] = [];
    peers.forEach((peer, i) => {
      for (let j = 0; j < 4; j++) answered.push(addon.send(peer, acquire(j % 2 === 0 ? "shared" : "host")));
      if (i % 3 === 0) addon.drop(peer); // gone before its replies
    });
    await until(() => broker.peerCount === 16, "the 8 dropped peers to disconnect");
    // Every surviving peer gets all four replies.
    const survivors = answered.filter((_, k) => Math.floor(k / 4) % 3 !== 0);
    const replies = await Promise.all(survivors);
    expect(replies.every((r) => r.entries.some(([key]) => key === "network"))).toBe(true);
    expect(vmnet.created).toBe(2);
    for (const [i, peer] of peers.entries()) if (i % 3 !== 0) addon.drop(peer);
    await until(() => broker.peerCount === 0 && addon.openTransactions() === 0, "every peer gone");
    const status = await broker.status();
    expect(status.networks.map((n) => n.references)).toEqual([0, 0]);
  });

  it("pushes a subscriber's events as messages on its connection, after the Subscription reply", async () => {
    const watcher = addon.connect(SERVICE, 0, 0, 1) as object;
    const subscribed = replyIn(await addon.send(watcher, subscribeRequest));
    expect(subscribed.result?.$case).toBe("subscription");
    const vm = addon.connect(SERVICE, 501, 20, 2) as object;
    await addon.send(vm, acquire("shared"));
    const seen: Reply[] = [];
    await until(() => {
      seen.push(...addon.pushed(watcher).map(replyIn));
      return seen.length >= 2;
    }, "two events");
    expect(seen.map((r) => [r.id, r.result?.$case === "event" ? r.result.value.type : 0])).toEqual([
      [9, EventType.EVENT_TYPE_PEER_CONNECTED],
      [9, EventType.EVENT_TYPE_NETWORK_CREATED],
    ]);
    expect(addon.pushed(vm)).toEqual([]);
  });

  it("drops a subscriber that does not read past the limit; a reading one stays", async () => {
    transport.close();
    transport = XpcTransport.listen(broker, {
      serviceName: SERVICE,
      native: addon,
      onEvent: (e) => events.push(e),
      maxUnsentEventBytes: 200,
    });
    const stalled = addon.connect(SERVICE, 0, 0, 1) as object;
    const reading = addon.connect(SERVICE, 0, 0, 2) as object;
    await addon.send(stalled, subscribeRequest);
    await addon.send(reading, subscribeRequest);
    addon.stall(stalled, true);
    for (let i = 0; i < 10; i++) addon.drop(addon.connect(SERVICE, 700 + i, 20, 3) as object);
    await until(() => broker.peerCount === 1, "the stalled subscriber to be dropped");
    expect(events).toContainEqual({ type: "limit-reached", peer: 1, limit: "max-unsent-event-bytes", value: 200 });
    const toReading = addon.pushed(reading).map(replyIn);
    expect(toReading.length).toBeGreaterThanOrEqual(20);
    expect(addon.pushed(stalled).length).toBeLessThan(toReading.length);
    addon.stall(stalled, false); // its held barriers run; nothing is left pending
    addon.drop(reading);
    await until(() => broker.peerCount === 0 && addon.openTransactions() === 0, "every peer gone");
  });

  it("streams events to the CLI on an XPC session of its own (vmnet-broker events)", async () => {
    const stream = await xpcEvents(SERVICE, addon);
    const vm = addon.connect(SERVICE, 501, 20, 2) as object;
    await addon.send(vm, acquire("shared"));
    const seen: EventType[] = [];
    for await (const event of stream) {
      seen.push(event.type);
      if (event.type === EventType.EVENT_TYPE_NETWORK_CREATED) break;
    }
    expect(seen).toEqual([EventType.EVENT_TYPE_PEER_CONNECTED, EventType.EVENT_TYPE_NETWORK_CREATED]);
    // Leaving the loop closed the subscriber's connection; the VM's stays.
    await until(() => broker.peerCount === 1, "the subscriber's connection to close");
  });

  it("ends the CLI's event stream with a transport error when the broker drops it", async () => {
    const stream = await xpcEvents(SERVICE, addon);
    transport.close(); // cancels every peer, as a broker exiting does
    const read = (async () => {
      for await (const _ of stream) {
        // none expected
      }
    })();
    await expect(read).rejects.toMatchObject({ code: 1, message: expect.stringContaining("XPC_ERROR_CONNECTION_INVALID") });
  });

  it("stops listening on close and cancels its peers", async () => {
    const peer = addon.connect(SERVICE, 501, 20, 1) as object;
    await addon.send(peer, acquire("shared"));
    transport.close();
    expect(addon.listening(SERVICE)).toBe(false);
    expect(broker.peerCount).toBe(0);
    await until(() => addon.openTransactions() === 0, "transactions ended after close");
    expect(addon.connect(SERVICE, 501, 20, 1)).toBeNull();
  });
});
