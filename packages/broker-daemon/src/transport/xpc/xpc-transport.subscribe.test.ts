// SPDX-License-Identifier: Apache-2.0
// Event subscriptions over the XPC transport, with the real core and vmnet backend
// and libxpc replaced by its test double: the Subscription reply, then each event
// as a message {reply: data} on the peer's connection, in order; a subscriber that
// leaves too much unsent is dropped and its networks released; others go on.
import { ErrorCode, EventType, Reply, Request } from "@vmnet-broker/client/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createVmnetBackend } from "../../backend/vmnet/vmnet-backend.js";
import { builtinConfig } from "../../config/load.js";
import type { AccountDatabase } from "../../config/users.js";
import { Broker } from "../../core/broker.js";
import { silentLogger } from "../../log.js";
import { VmnetNativeDouble, XpcNativeDouble } from "./native-double.test-util.js";
import { XpcTransport, type XpcTransportEvent } from "./xpc-transport.js";
import { type XpcDictionary, xpcData, xpcDictionary, xpcGet, xpcString } from "./xpc-value.js";

const accounts: AccountDatabase = {
  uidOf: () => undefined,
  gidOf: () => undefined,
  userName: () => undefined,
  groupsOf: (_uid, gid) => new Set([gid]),
};

const request = (r: Request) => xpcDictionary({ command: xpcString("request"), request: xpcData(Request.encode(r).finish()) });
const subscribe = (id: number) => request({ id, command: { $case: "subscribe", value: {} } });
const acquire = (name: string) => xpcDictionary({ command: xpcString("acquire"), network_name: xpcString(name) });

function replyOf(body: XpcDictionary): Reply {
  const data = xpcGet(body, "reply");
  if (data?.type !== "data") throw new Error(`no reply data in ${JSON.stringify(body.entries.map(([k]) => k))}`);
  return Reply.decode(data.value);
}

describe("XpcTransport subscriptions", () => {
  let xpc: XpcNativeDouble;
  let broker: Broker;
  let transport: XpcTransport;
  let events: XpcTransportEvent[];

  function listen(maxUnsentEventBytes?: number) {
    transport = XpcTransport.listen(broker, {
      native: xpc,
      onEvent: (e) => events.push(e),
      ...(maxUnsentEventBytes === undefined ? {} : { maxUnsentEventBytes }),
    });
  }

  beforeEach(() => {
    xpc = new XpcNativeDouble();
    events = [];
    broker = new Broker({
      backend: createVmnetBackend({ native: new VmnetNativeDouble() }),
      config: builtinConfig(),
      accounts,
      logger: silentLogger,
      version: "test",
      idleDelayMs: 0,
    });
  });

  afterEach(async () => {
    transport.close();
    await broker.shutdown();
  });

  /** The events pushed to peer, decoded. */
  const pushedTo = (peer: number) => xpc.pushed.filter((p) => p.peer === peer).map((p) => replyOf(p.body));

  it("answers subscribe with a Subscription, then pushes each event on the connection with the request's id", async () => {
    listen();
    xpc.connect(1, 0, 0);
    const subscribed = replyOf(await xpc.send(1, subscribe(7)));
    expect(subscribed).toMatchObject({ id: 7, result: { $case: "subscription" } });

    xpc.connect(2, 501, 20);
    await xpc.send(2, acquire("shared"));
    xpc.disconnect(2);
    // The idle delay is 0: the network goes once its holder has.
    for (
      let i = 0;
      i < 100 && !pushedTo(1).some((r) => r.result?.$case === "event" && r.result.value.type === EventType.EVENT_TYPE_NETWORK_REMOVED);
      i++
    ) {
      await new Promise((r) => setTimeout(r, 5));
    }
    const pushed = pushedTo(1);
    expect(pushed.every((r) => r.id === 7 && r.result?.$case === "event")).toBe(true);
    const seen = pushed.map((r) => (r.result?.$case === "event" ? `${r.result.value.type} ${r.result.value.networkName}` : ""));
    expect(seen).toEqual([
      `${EventType.EVENT_TYPE_PEER_CONNECTED} `,
      `${EventType.EVENT_TYPE_NETWORK_CREATED} shared`,
      `${EventType.EVENT_TYPE_PEER_GONE} `,
      `${EventType.EVENT_TYPE_NETWORK_REMOVED} shared`,
    ]);
    const sequences = pushed.map((r) => (r.result?.$case === "event" ? r.result.value.sequence : 0n));
    expect(sequences).toEqual([...sequences].sort((a, b) => Number(a - b)));
    expect(subscribed.result?.$case === "subscription" && subscribed.result.value.nextSequence).toBe(sequences[0]);
    // Only to the subscriber: the acquiring peer got its reply, no event.
    expect(pushedTo(2)).toEqual([]);
  });

  it("answers any later request on the subscribed connection INVALID_REQUEST", async () => {
    listen();
    xpc.connect(1, 0, 0);
    await xpc.send(1, subscribe(1));
    const again = replyOf(await xpc.send(1, request({ id: 2, command: { $case: "status", value: {} } })));
    expect(again).toMatchObject({ id: 2, result: { $case: "error", value: { code: ErrorCode.ERROR_CODE_INVALID_REQUEST } } });
  });

  it("drops a subscriber that leaves more than the limit unsent, and keeps one that reads", async () => {
    listen(200);
    xpc.connect(1, 0, 0);
    xpc.connect(2, 0, 0);
    await xpc.send(1, subscribe(1));
    await xpc.send(2, subscribe(1));
    xpc.stalled.add(1);
    // Each peer that comes and goes is two events (~40 bytes each) to both subscribers.
    for (let peer = 10; peer < 20; peer++) {
      xpc.connect(peer, 0, 0);
      xpc.disconnect(peer);
    }
    expect(xpc.dropped).toEqual([1]);
    expect(events).toContainEqual({ type: "limit-reached", peer: 1, limit: "max-unsent-event-bytes", value: 200 });
    // Dropped at the first push past the limit, and nothing pushed after it.
    const toStalled = pushedTo(1).length;
    expect(toStalled).toBeGreaterThan(1);
    expect(toStalled).toBeLessThan(20);
    expect(pushedTo(2)).toHaveLength(20 + 1); // and the drop of peer 1
    expect(transport.peerCount).toBe(1);
  });
});
