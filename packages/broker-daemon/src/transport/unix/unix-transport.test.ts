// SPDX-License-Identifier: Apache-2.0
import { closeSync, existsSync, openSync, readdirSync, statSync, writeSync } from "node:fs";
import { connect as netConnect } from "node:net";
import { ErrorCode, Request } from "@vmnet-broker/client/protocol";
import { closeAll, connectUnix, MAX_REQUEST_PAYLOAD } from "@vmnet-broker/client/socket";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Outgoing } from "../../core/peer.js";
import { FakeAcceptor, type FakePeer } from "./fake-acceptor.test-util.js";
import { eventually, makePipe, readPipe, TestConnection, tempDir } from "./test-client.test-util.js";
import { UnixTransport, type UnixTransportEvent } from "./unix-transport.js";

function statusReply(request: Request): Outgoing {
  return {
    reply: {
      id: request.id,
      result: {
        $case: "status",
        value: {
          brokerVersion: "test",
          platform: "linux",
          pid: 1,
          uptimeSeconds: 0n,
          networks: [],
          peers: [],
          configErrors: [],
          counters: undefined,
        },
      },
    },
    fds: [],
  };
}

/** A second descriptor for the same pipe end, as a core would hand over a fresh one. */
function dupOf(fd: number): number {
  return openSync(`/proc/self/fd/${fd}`, "w");
}

/** Samples value() until two samples 100 ms apart agree (the system stopped moving). */
async function settledValue(value: () => number, limitMs = 15_000): Promise<number> {
  const deadline = Date.now() + limitMs;
  let last = value();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = value();
    if (now === last) return now;
    if (Date.now() > deadline) throw new Error("the value never settled");
    last = now;
  }
}

function openFdCount(): number {
  return readdirSync("/proc/self/fd").length;
}

let temp: ReturnType<typeof tempDir>;
let socketPath: string;
let transport: UnixTransport | undefined;
let events: UnixTransportEvent[];
const connections: TestConnection[] = [];

beforeEach(() => {
  temp = tempDir();
  socketPath = `${temp.dir}/broker.sock`;
  events = [];
});
afterEach(async () => {
  for (const connection of connections.splice(0)) connection.endpoint.close();
  await transport?.close();
  transport = undefined;
  temp.cleanup();
});

function start(acceptor: FakeAcceptor): UnixTransport {
  transport = UnixTransport.listen(acceptor, { socketPath, mode: 0o660, onEvent: (event) => events.push(event) });
  return transport;
}

function open(maxSendPayload?: number): TestConnection {
  const connection = new TestConnection(socketPath, maxSendPayload);
  connections.push(connection);
  return connection;
}

describe("UnixTransport", () => {
  it("listens with the requested mode and reports the peer's credentials", async () => {
    const acceptor = new FakeAcceptor((request) => statusReply(request));
    start(acceptor);
    expect(statSync(socketPath).mode & 0o777).toBe(0o660);
    const client = open();
    client.send({ id: 7, command: { $case: "status", value: {} } });
    await eventually(() => client.replies.length === 1, "the reply");
    expect(client.replies[0]?.reply.id).toBe(7);
    expect(acceptor.peers[0]?.credentials).toEqual({ uid: process.getuid?.(), gid: process.getgid?.(), pid: process.pid });
    expect(acceptor.peers[0]?.transport).toBe("unix");
    expect(events[0]).toMatchObject({ type: "connected", peerId: 1n });
  });

  it("hands requests to the core one at a time per connection and replies in order", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const acceptor = new FakeAcceptor(async (request) => {
      if (request.id === 1) await gate;
      return statusReply(request);
    });
    start(acceptor);
    const client = open();
    for (let id = 1; id <= 5; id++) client.send({ id, command: { $case: "status", value: {} } });
    await eventually(() => acceptor.peers[0]?.requests.length === 1, "the first request");
    // The first is stuck in the core: nothing else may be handed over meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(acceptor.peers[0]?.requests).toHaveLength(1);
    release();
    await eventually(() => client.replies.length === 5, "all replies");
    expect(client.replies.map((r) => r.reply.id)).toEqual([1, 2, 3, 4, 5]);
    expect(acceptor.peers[0]?.maxInFlight).toBe(1);
  });

  it("answers an undecodable payload with Reply{id: 0, INVALID_REQUEST} and keeps the connection", async () => {
    const acceptor = new FakeAcceptor((request) => statusReply(request));
    start(acceptor);
    const client = open();
    client.endpoint.send(Buffer.from([0xff, 0xff, 0xff]));
    client.send({ id: 9, command: { $case: "status", value: {} } });
    await eventually(() => client.replies.length === 2, "both replies");
    const [bad, good] = client.replies;
    expect(bad?.reply).toMatchObject({ id: 0, result: { $case: "error", value: { code: ErrorCode.ERROR_CODE_INVALID_REQUEST } } });
    expect(good?.reply.id).toBe(9);
    expect(client.closed).toBeUndefined();
    expect(events.some((e) => e.type === "bad-frame")).toBe(true);
  });

  it("answers an oversized header with INVALID_REQUEST, then hangs up; other peers carry on", async () => {
    const acceptor = new FakeAcceptor((request) => statusReply(request));
    start(acceptor);
    const other = open();
    const client = open(MAX_REQUEST_PAYLOAD * 2);
    client.send({ id: 1, command: { $case: "status", value: {} } });
    client.endpoint.send(Buffer.alloc(MAX_REQUEST_PAYLOAD + 1));
    await eventually(() => client.closed !== undefined, "the hang-up");
    expect(client.replies.map((r) => r.reply.id)).toEqual([1, 0]);
    expect(client.replies[1]?.reply.result).toMatchObject({ $case: "error", value: { code: ErrorCode.ERROR_CODE_INVALID_REQUEST } });
    expect(client.replies[1]?.reply.result?.$case === "error" && client.replies[1].reply.result.value.message).toContain("65537");
    await eventually(() => acceptor.peers[1]?.closeCount === 1, "the core to hear of it");
    expect(events).toContainEqual(expect.objectContaining({ type: "disconnected", peerId: 2n, reason: "framing" }));
    other.send({ id: 3, command: { $case: "status", value: {} } });
    await eventually(() => other.replies.length === 1, "the other peer's reply");
    expect(acceptor.peers[0]?.closeCount).toBe(0);
  });

  it("releases a peer that vanishes mid-frame exactly once, without disturbing others", async () => {
    const acceptor = new FakeAcceptor((request) => statusReply(request));
    start(acceptor);
    const other = open();
    const header = Buffer.alloc(4);
    header.writeUInt32BE(100);
    const raw = netConnect(socketPath);
    await new Promise<void>((resolve) => raw.once("connect", () => resolve()));
    raw.write(Buffer.concat([header, Buffer.from("partial")]));
    await eventually(() => acceptor.peers.length === 2, "both peers");
    raw.destroy();
    const vanished = acceptor.peers.find((p) => p.credentials.pid === process.pid && p.id === 2n) as FakePeer;
    await eventually(() => vanished.closeCount === 1, "the release");
    expect(events).toContainEqual(expect.objectContaining({ type: "disconnected", peerId: 2n, reason: "eof", midFrame: true }));
    other.send({ id: 4, command: { $case: "status", value: {} } });
    await eventually(() => other.replies.length === 1, "the other peer's reply");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(vanished.closeCount).toBe(1);
    expect(acceptor.peers[0]?.closeCount).toBe(0);
  });

  it("releases a peer that vanishes mid-request and closes the reply's fds", async () => {
    const pipe = makePipe(temp.dir);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const acceptor = new FakeAcceptor(async (request) => {
      await gate;
      return { ...statusReply(request), fds: [pipe.write] };
    });
    start(acceptor);
    const client = open();
    client.send({ id: 1, command: { $case: "status", value: {} } });
    await eventually(() => acceptor.peers[0]?.requests.length === 1, "the request");
    client.endpoint.close();
    await eventually(() => acceptor.peers[0]?.closeCount === 1, "the release");
    release();
    // The transport owned pipe.write and had nobody to send it to: it must close it,
    // which the read end sees as EOF.
    await eventually(() => readPipe(pipe.read) === "", "the write end to be closed");
    expect(acceptor.peers[0]?.closeCount).toBe(1);
    closeSync(pipe.read);
  });

  it("passes request fds to the core and sends reply fds, closing its own copies", async () => {
    const incoming = makePipe(temp.dir, "in");
    const outgoing = makePipe(temp.dir, "out");
    const acceptor = new FakeAcceptor((request, fds) => {
      for (const fd of fds) writeSync(fd, "core wrote this");
      closeAll(fds);
      return { ...statusReply(request), fds: [outgoing.write] };
    });
    start(acceptor);
    const client = open();
    client.send({ id: 1, command: { $case: "status", value: {} } }, [incoming.write]);
    closeSync(incoming.write);
    await eventually(() => client.replies.length === 1, "the reply");
    expect(acceptor.peers[0]?.requests[0]?.fds).toHaveLength(1);
    expect(readPipe(incoming.read)).toBe("core wrote this");
    const received = client.replies[0]?.fds ?? [];
    expect(received).toHaveLength(1);
    writeSync(received[0] ?? -1, "through the reply fd");
    expect(readPipe(outgoing.read)).toBe("through the reply fd");
    // Only the client's copy is left: once it is closed the pipe reads EOF.
    closeAll(received);
    expect(readPipe(outgoing.read)).toBe("");
    closeSync(incoming.read);
    closeSync(outgoing.read);
  });

  it("sends every fd of a reply that carries several, in order", async () => {
    const pipes = ["q0", "q1", "q2"].map((name) => makePipe(temp.dir, name));
    const acceptor = new FakeAcceptor((request) => ({ ...statusReply(request), fds: pipes.map((p) => dupOf(p.write)) }));
    start(acceptor);
    const client = open();
    client.send({ id: 1, command: { $case: "status", value: {} } });
    await eventually(() => client.replies.length === 1, "the reply");
    const received = client.replies[0]?.fds ?? [];
    expect(received).toHaveLength(3);
    for (const [i, fd] of received.entries()) writeSync(fd, `queue ${i}`);
    expect(pipes.map((p) => readPipe(p.read))).toEqual(["queue 0", "queue 1", "queue 2"]);
    closeAll(received);
    for (const p of pipes) closeAll([p.read, p.write]);
  });

  it("answers INTERNAL_ERROR when the core throws", async () => {
    const acceptor = new FakeAcceptor(() => {
      throw new Error("boom");
    });
    start(acceptor);
    const client = open();
    client.send({ id: 5, command: { $case: "status", value: {} } });
    await eventually(() => client.replies.length === 1, "the reply");
    expect(client.replies[0]?.reply).toMatchObject({
      id: 5,
      result: { $case: "error", value: { code: ErrorCode.ERROR_CODE_INTERNAL_ERROR } },
    });
    expect(events).toContainEqual(expect.objectContaining({ type: "handler-error", peerId: 1n }));
  });

  it("close() stops accepting, removes the socket and releases every peer once", async () => {
    const acceptor = new FakeAcceptor((request) => statusReply(request));
    const running = start(acceptor);
    const clients = [open(), open(), open()];
    await eventually(() => running.connectionCount === 3, "three connections");
    await running.close();
    transport = undefined;
    expect(existsSync(socketPath)).toBe(false);
    expect(() => connectUnix(socketPath)).toThrow(/ENOENT/);
    await eventually(() => clients.every((c) => c.closed !== undefined), "every client to see the hang-up");
    expect(acceptor.peers.map((p) => p.closeCount)).toEqual([1, 1, 1]);
    expect(events.filter((e) => e.type === "disconnected").every((e) => e.type === "disconnected" && e.reason === "shutdown")).toBe(true);
  });

  it("leaks no descriptors over many connections that pass fds both ways", async () => {
    const pipe = makePipe(temp.dir);
    const acceptor = new FakeAcceptor((request, fds) => {
      closeAll(fds);
      return { ...statusReply(request), fds: [dupOf(pipe.write)] };
    });
    start(acceptor);
    const baseline = openFdCount();
    for (let round = 0; round < 3; round++) {
      const clients = Array.from({ length: 10 }, () => open());
      for (const client of clients) client.send({ id: 1, command: { $case: "status", value: {} } }, [pipe.read]);
      await eventually(() => clients.every((c) => c.replies.length === 1), "every reply");
      for (const client of clients) {
        closeAll(client.replies[0]?.fds ?? []);
        client.endpoint.close();
      }
      await eventually(() => acceptor.peers.filter((p) => p.closeCount === 1).length === 10 * (round + 1), "every release");
      connections.splice(0);
    }
    await eventually(() => openFdCount() === baseline, `the fd count to return to ${baseline}`);
    closeSync(pipe.read);
    closeSync(pipe.write);
  });

  it("hangs up on a peer the core refuses and keeps accepting others", async () => {
    const acceptor = new FakeAcceptor((request) => statusReply(request));
    let refuse = true;
    const picky = {
      connect: (credentials: { uid: number; gid: number; pid: number }, kind: "unix" | "xpc") => {
        if (refuse) {
          refuse = false;
          throw new Error("too many peers");
        }
        return acceptor.connect(credentials, kind);
      },
    };
    transport = UnixTransport.listen(picky, { socketPath, mode: 0o600, onEvent: (event) => events.push(event) });
    const refused = open();
    await eventually(() => refused.closed !== undefined, "the hang-up");
    expect(events).toContainEqual(expect.objectContaining({ type: "accept-error" }));
    const accepted = open();
    accepted.send({ id: 2, command: { $case: "status", value: {} } });
    await eventually(() => accepted.replies.length === 1, "the reply");
    expect(acceptor.peers).toHaveLength(1);
  });

  it("stops reading from a peer that sends faster than the core answers", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const acceptor = new FakeAcceptor(async (request) => {
      await gate;
      return statusReply(request);
    });
    start(acceptor);
    const client = open();
    const count = 100_000;
    for (let id = 1; id <= count; id++) client.send({ id, command: { $case: "status", value: {} } });
    await eventually(() => acceptor.peers[0]?.requests.length === 1, "the first request in the core");
    // With the core stuck, the transport must stop reading: the client's own queue
    // stops draining (socket buffers full) instead of emptying into the broker.
    const settled = await settledValue(() => client.endpoint.queuedBytes);
    expect(settled).toBeGreaterThan(0);
    release();
    await eventually(() => client.replies.length === count, "every reply", 30_000);
    expect(client.replies[count - 1]?.reply.id).toBe(count);
    expect(acceptor.peers[0]?.maxInFlight).toBe(1);
  });

  it("asks the core for no more while a peer does not read its replies", async () => {
    const big = "x".repeat(1_000_000);
    const acceptor = new FakeAcceptor((request) => {
      const reply = statusReply(request);
      if (reply.reply.result?.$case === "status") reply.reply.result.value.configErrors = [big];
      return reply;
    });
    start(acceptor);
    const raw = netConnect(socketPath);
    await new Promise<void>((resolve) => raw.once("connect", () => resolve()));
    raw.pause(); // read nothing
    const count = 100;
    for (let id = 1; id <= count; id++) {
      const payload = Request.encode(Request.fromPartial({ id, command: { $case: "status", value: {} } })).finish();
      const header = Buffer.alloc(4);
      header.writeUInt32BE(payload.length);
      raw.write(Buffer.concat([header, payload]));
    }
    await eventually(() => (acceptor.peers[0]?.requests.length ?? 0) > 0, "the first request");
    const handledWhileStalled = await settledValue(() => acceptor.peers[0]?.requests.length ?? 0);
    expect(handledWhileStalled).toBeLessThan(count / 4);
    // Reading again lets everything through, in order.
    let received = 0;
    let pending = Buffer.alloc(0);
    raw.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
        pending = pending.subarray(4 + pending.readUInt32BE(0));
        received++;
      }
    });
    raw.resume();
    await eventually(() => received === count, "every reply", 30_000);
    expect(acceptor.peers[0]?.requests).toHaveLength(count);
    raw.destroy();
  });
});
