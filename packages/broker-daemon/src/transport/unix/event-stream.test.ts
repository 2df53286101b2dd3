// SPDX-License-Identifier: Apache-2.0
import { connect as netConnect, type Socket } from "node:net";
import { EventType, Reply, Request } from "@vmnet-broker/client/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { PeerAcceptor, PeerConnection, PeerCredentials } from "../../core/peer.js";
import { eventually, TestConnection, tempDir } from "./test-client.test-util.js";
import type { UnixTransportEvent } from "./transport-events.js";
import { UnixTransport } from "./unix-transport.js";

/** A core stand-in whose subscriptions the test drives: push() sends an event to every subscriber. */
class StreamingAcceptor implements PeerAcceptor {
  readonly #subscribers: ((reply: Reply) => void)[] = [];
  #nextId = 1n;

  connect(_credentials: PeerCredentials, _transport: "unix" | "xpc", push?: (reply: Reply) => void): PeerConnection {
    const id = this.#nextId++;
    return {
      id,
      handle: async (request: Request) => {
        if (request.command?.$case === "subscribe" && push !== undefined) {
          this.#subscribers.push((reply) => push({ ...reply, id: request.id }));
          // An event emitted before the Subscription reply went out must follow it.
          this.push(1n);
          return { reply: Reply.fromPartial({ id: request.id, result: { $case: "subscription", value: { nextSequence: 1n } } }), fds: [] };
        }
        return { reply: Reply.fromPartial({ id: request.id, result: { $case: "error", value: { code: 4, message: "no" } } }), fds: [] };
      },
      close: () => {},
    };
  }

  push(sequence: bigint, padding = 0): void {
    const event = { sequence, timeUnixMs: 0n, type: EventType.EVENT_TYPE_NETWORK_CREATED, networkName: "x".repeat(padding) };
    for (const deliver of this.#subscribers) deliver(Reply.fromPartial({ result: { $case: "event", value: event } }));
  }
}

let temp: ReturnType<typeof tempDir>;
let transport: UnixTransport | undefined;
let events: UnixTransportEvent[];
const sockets: Socket[] = [];
beforeEach(() => {
  temp = tempDir();
  events = [];
});
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await transport?.close();
  transport = undefined;
  temp.cleanup();
});

const subscribeFrame = (id: number) => {
  const payload = Request.encode(Request.fromPartial({ id, command: { $case: "subscribe", value: {} } })).finish();
  const header = Buffer.alloc(4);
  header.writeUInt32BE(payload.length);
  return Buffer.concat([header, payload]);
};

describe("UnixTransport event streams", () => {
  it("sends the Subscription reply first, then each event with the subscribe id", async () => {
    const acceptor = new StreamingAcceptor();
    const socketPath = `${temp.dir}/broker.sock`;
    transport = UnixTransport.listen(acceptor, { socketPath, mode: 0o600, onEvent: (e) => events.push(e) });
    const client = new TestConnection(socketPath);
    client.send({ id: 9, command: { $case: "subscribe", value: {} } });
    await eventually(() => client.replies.length === 2, "the subscription and the first event");
    acceptor.push(2n);
    await eventually(() => client.replies.length === 3, "the second event");
    expect(
      client.replies.map(({ reply }) => [
        reply.id,
        reply.result?.$case,
        reply.result?.$case === "event" ? reply.result.value.sequence : 0n,
      ]),
    ).toEqual([
      [9, "subscription", 0n],
      [9, "event", 1n],
      [9, "event", 2n],
    ]);
    client.endpoint.close();
  });

  it("disconnects a subscriber that leaves more than max-unsent-event-bytes unread, naming the limit", async () => {
    const acceptor = new StreamingAcceptor();
    const socketPath = `${temp.dir}/broker.sock`;
    transport = UnixTransport.listen(acceptor, {
      socketPath,
      mode: 0o600,
      onEvent: (e) => events.push(e),
      limits: { maxUnsentEventBytes: 64 * 1024 },
    });
    const socket = netConnect(socketPath);
    sockets.push(socket);
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    socket.write(subscribeFrame(3));
    socket.pause(); // a reader that never reads
    await eventually(() => transport?.connectionCount === 1, "the subscription");
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (let sequence = 2n; sequence < 2000n && events.every((e) => e.type !== "disconnected"); sequence++) acceptor.push(sequence, 4096);
    await eventually(() => events.some((e) => e.type === "disconnected"), "the slow subscriber's disconnect");
    expect(events.find((e) => e.type === "disconnected")).toMatchObject({
      reason: "limit",
      limit: { name: "max-unsent-event-bytes", value: 64 * 1024 },
    });
  });
});
