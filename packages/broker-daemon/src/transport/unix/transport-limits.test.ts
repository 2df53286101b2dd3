// SPDX-License-Identifier: Apache-2.0
import { connect as netConnect, type Socket } from "node:net";
import { Request } from "@vmnet-broker/client/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LimitExceeded } from "../../core/limits.js";
import type { Outgoing, PeerCredentials } from "../../core/peer.js";
import { FakeAcceptor } from "./fake-acceptor.test-util.js";
import { eventually, makePipe, TestConnection, tempDir } from "./test-client.test-util.js";
import type { UnixTransportEvent } from "./transport-events.js";
import type { TransportLimits } from "./transport-limits.js";
import { UnixTransport } from "./unix-transport.js";

/** A status reply padded to about `bytes`, to fill send queues quickly. */
function bigReply(request: Request, bytes: number): Outgoing {
  return {
    reply: {
      id: request.id,
      result: {
        $case: "status",
        value: {
          brokerVersion: "x".repeat(bytes),
          platform: "linux",
          pid: 1,
          uptimeSeconds: 0n,
          networks: [],
          peers: [],
          configErrors: [],
          counters: undefined,
          viewFiltered: false,
        },
      },
    },
    fds: [],
  };
}

const statusFrame = (id: number) => {
  const payload = Request.encode(Request.fromPartial({ id, command: { $case: "status", value: {} } })).finish();
  const header = Buffer.alloc(4);
  header.writeUInt32BE(payload.length);
  return Buffer.concat([header, payload]);
};

let temp: ReturnType<typeof tempDir>;
let socketPath: string;
let transport: UnixTransport | undefined;
let events: UnixTransportEvent[];
const sockets: Socket[] = [];

beforeEach(() => {
  temp = tempDir();
  socketPath = `${temp.dir}/broker.sock`;
  events = [];
});
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await transport?.close();
  transport = undefined;
  temp.cleanup();
});

function start(acceptor: FakeAcceptor | { connect: FakeAcceptor["connect"] }, limits: Partial<TransportLimits> = {}): UnixTransport {
  transport = UnixTransport.listen(acceptor, { socketPath, mode: 0o600, onEvent: (event) => events.push(event), limits });
  return transport;
}

/** A raw peer that never reads what the broker sends. */
async function deafPeer(): Promise<Socket> {
  const socket = netConnect(socketPath);
  sockets.push(socket);
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  socket.pause();
  return socket;
}

const disconnects = () => events.filter((e) => e.type === "disconnected");

describe("UnixTransport limits", () => {
  it("hangs up at once on a peer the core refuses over a limit, and reports the limit", async () => {
    const acceptor = new FakeAcceptor((request) => bigReply(request, 1));
    let refuse = true;
    start({
      connect: (credentials: PeerCredentials, kind: "unix" | "xpc") => {
        if (refuse) throw new LimitExceeded("max-connections-per-user", 2, `uid ${credentials.uid}`);
        return acceptor.connect(credentials, kind);
      },
    });
    const refused = new TestConnection(socketPath);
    await eventually(() => refused.closed !== undefined, "the hang-up");
    expect(events).toContainEqual(
      expect.objectContaining({
        type: "refused",
        limit: { name: "max-connections-per-user", value: 2 },
        credentials: expect.objectContaining({ uid: process.getuid?.() }),
      }),
    );
    expect(events.some((e) => e.type === "accept-error")).toBe(false);
    refuse = false;
    const accepted = new TestConnection(socketPath);
    accepted.send({ id: 1, command: { $case: "status", value: {} } });
    await eventually(() => accepted.replies.length === 1, "the reply");
    accepted.endpoint.close();
  });

  it("disconnects a peer that starts a frame and stalls, naming frame-timeout-ms; others carry on", async () => {
    const acceptor = new FakeAcceptor((request) => bigReply(request, 1));
    start(acceptor, { frameTimeoutMs: 100 });
    const other = new TestConnection(socketPath);
    const stalled = await deafPeer();
    stalled.write(statusFrame(1).subarray(0, 3));
    await eventually(() => stalled.destroyed || stalled.readableEnded || disconnects().length > 0, "the hang-up");
    expect(disconnects()).toContainEqual(
      expect.objectContaining({
        reason: "limit",
        midFrame: true,
        limit: { name: "frame-timeout-ms", value: 100 },
        uid: process.getuid?.(),
      }),
    );
    await eventually(() => acceptor.peers[1]?.closeCount === 1, "the release");
    other.send({ id: 2, command: { $case: "status", value: {} } });
    await eventually(() => other.replies.length === 1, "the other peer's reply");
    other.endpoint.close();
  });

  it("disconnects the peer that reads nothing once unsent replies pass the total budget; a reader is untouched", async () => {
    const acceptor = new FakeAcceptor((request) => bigReply(request, 512 * 1024));
    start(acceptor, { maxUnsentReplyBytes: 3 * 1024 * 1024 });
    const reader = new TestConnection(socketPath);
    const deaf = await deafPeer();
    for (let id = 1; id <= 40; id++) deaf.write(statusFrame(id));
    await eventually(() => disconnects().length > 0, "the eviction", 15_000);
    expect(disconnects()[0]).toMatchObject({
      peerId: 2n,
      reason: "limit",
      limit: { name: "max-unsent-reply-bytes", value: 3 * 1024 * 1024 },
    });
    // The deaf peer got fewer replies than it asked for, and the broker keeps nothing for it.
    expect(acceptor.peers[1]?.requests.length).toBeLessThan(40);
    await eventually(() => acceptor.peers[1]?.closeCount === 1, "the release");
    for (let id = 1; id <= 4; id++) reader.send({ id, command: { $case: "status", value: {} } });
    await eventually(() => reader.replies.length === 4, "the reader's replies");
    expect(reader.closed).toBeUndefined();
    reader.endpoint.close();
  });

  it("answers nothing more while a reply carrying fds waits for a peer that does not read", async () => {
    const pipe = makePipe(temp.dir);
    const acceptor = new FakeAcceptor((request) => ({ ...bigReply(request, 300 * 1024), fds: [pipe.write] }));
    start(acceptor);
    const deaf = await deafPeer();
    for (let id = 1; id <= 10; id++) deaf.write(statusFrame(id));
    await eventually(() => (acceptor.peers[0]?.requests.length ?? 0) > 0, "the first request");
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The first reply (300 KiB) cannot all fit in the socket: its fd may still be
    // queued, so the core is not asked for another that would queue more fds.
    expect(acceptor.peers[0]?.requests.length).toBe(1);
    deaf.resume();
    await eventually(() => acceptor.peers[0]?.requests.length === 10, "every request once the peer reads");
  });

  it("hangs up on a request carrying more descriptors than any request may", async () => {
    const acceptor = new FakeAcceptor((request) => bigReply(request, 1));
    start(acceptor);
    const pipe = makePipe(temp.dir);
    const client = new TestConnection(socketPath);
    client.send({ id: 1, command: { $case: "status", value: {} } }, [pipe.read, pipe.write, pipe.read, pipe.write, pipe.read]);
    await eventually(() => client.closed !== undefined, "the hang-up");
    expect(acceptor.peers[0]?.requests ?? []).toHaveLength(0);
    expect(events).toContainEqual(expect.objectContaining({ type: "bad-frame", message: expect.stringContaining("maximum is 4") }));
  });
});
