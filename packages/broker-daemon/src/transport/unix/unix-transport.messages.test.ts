// SPDX-License-Identifier: Apache-2.0
// The Unix transport's own words: the messages peers get when the transport (not
// the core) answers, the events the daemon logs, its description and socket owner.
import { closeSync, openSync, statSync, writeSync } from "node:fs";
import { ErrorCode, Request } from "@vmnet-broker/client/protocol";
import { connectUnix, MAX_REPLY_PAYLOAD } from "@vmnet-broker/client/socket";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Outgoing } from "../../core/peer.js";
import { FakeAcceptor } from "./fake-acceptor.test-util.js";
import { eventually, TestConnection, tempDir } from "./test-client.test-util.js";
import { UnixTransport, type UnixTransportEvent } from "./unix-transport.js";

const statusReply = (request: Request, brokerVersion = "test"): Outgoing => ({
  reply: {
    id: request.id,
    result: {
      $case: "status",
      value: {
        brokerVersion,
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
});
const fdOpen = (fd: number) => {
  try {
    statSync(`/proc/self/fd/${fd}`);
    return true;
  } catch {
    return false;
  }
};

describe("UnixTransport messages", () => {
  let temp: ReturnType<typeof tempDir>;
  let socketPath: string;
  let transport: UnixTransport | undefined;
  let events: UnixTransportEvent[];
  const clients: TestConnection[] = [];
  beforeEach(() => {
    temp = tempDir();
    socketPath = `${temp.dir}/broker.sock`;
    events = [];
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.endpoint.close();
    await transport?.close();
    transport = undefined;
    temp.cleanup();
  });
  const start = (acceptor: FakeAcceptor, gid?: number) => {
    transport = UnixTransport.listen(acceptor, {
      socketPath,
      mode: 0o660,
      ...(gid !== undefined ? { gid } : {}),
      onEvent: (event) => events.push(event),
    });
    return transport;
  };
  const open = () => {
    const client = new TestConnection(socketPath);
    clients.push(client);
    return client;
  };

  it("describes itself by its socket path and gives the socket file the requested group", () => {
    const t = start(new FakeAcceptor((r) => statusReply(r)), 4321);
    expect(t.description).toBe(`unix:${socketPath}`);
    expect(statSync(socketPath).gid).toBe(4321);
    expect(statSync(socketPath).mode & 0o777).toBe(0o660);
  });

  it("leaves the socket file's group alone when none is given", () => {
    start(new FakeAcceptor((r) => statusReply(r)));
    expect(statSync(socketPath).gid).toBe(process.getegid?.() ?? 0);
  });

  it("forgets a connection once it ended", async () => {
    const t = start(new FakeAcceptor((r) => statusReply(r)));
    const client = open();
    await eventually(() => t.connectionCount === 1, "the connection");
    client.endpoint.close();
    await eventually(() => t.connectionCount === 0, "the connection to be forgotten");
  });

  it("names an undecodable request and a core failure in its replies", async () => {
    const acceptor = new FakeAcceptor(() => {
      throw new Error("boom");
    });
    start(acceptor);
    const client = open();
    client.endpoint.send(Buffer.from([0xff, 0xff, 0xff]));
    client.send({ id: 5, command: { $case: "status", value: {} } });
    await eventually(() => client.replies.length === 2, "both replies");
    expect(client.replies[0]?.reply.result).toMatchObject({
      $case: "error",
      value: { code: ErrorCode.ERROR_CODE_INVALID_REQUEST, message: expect.stringMatching(/^undecodable request: .+/) },
    });
    expect(client.replies[1]?.reply).toMatchObject({
      id: 5,
      result: {
        $case: "error",
        value: { code: ErrorCode.ERROR_CODE_INTERNAL_ERROR, message: "internal error while handling the request" },
      },
    });
    expect(events).toContainEqual({ type: "bad-frame", peerId: 1n, message: expect.stringMatching(/^undecodable request: .+/) });
  });

  it("answers INTERNAL_ERROR instead of a reply too large to send, and closes the reply's fds", async () => {
    const fd = openSync("/dev/null", "r");
    start(new FakeAcceptor((r) => ({ ...statusReply(r, "v".repeat(MAX_REPLY_PAYLOAD)), fds: [fd] })));
    const client = open();
    client.send({ id: 8, command: { $case: "status", value: {} } });
    await eventually(() => client.replies.length === 1, "the reply");
    expect(client.replies[0]?.reply).toMatchObject({
      id: 8,
      result: { $case: "error", value: { code: ErrorCode.ERROR_CODE_INTERNAL_ERROR, message: "the reply is too large to send" } },
    });
    expect(client.replies[0]?.fds).toEqual([]);
    expect(fdOpen(fd)).toBe(false);
    const error = events.find((e) => e.type === "handler-error");
    expect(error).toMatchObject({ peerId: 1n });
    expect(String((error as { error: unknown }).error)).toMatch(
      new RegExp(`^Error: reply of \\d+ bytes exceeds the maximum of ${MAX_REPLY_PAYLOAD}$`),
    );
  });

  it("reports a peer that hung up as eof, with its uid and no error", async () => {
    start(new FakeAcceptor((r) => statusReply(r)));
    const client = open();
    await eventually(() => events.some((e) => e.type === "connected"), "the connection");
    client.endpoint.close();
    await eventually(() => events.some((e) => e.type === "disconnected"), "the disconnect");
    const disconnected = events.find((e) => e.type === "disconnected");
    expect(disconnected).toStrictEqual({ type: "disconnected", peerId: 1n, uid: process.geteuid?.() ?? 0, reason: "eof", midFrame: false });
  });

  it("reports a peer that hung up without reading its reply as a socket error, with the error", async () => {
    start(new FakeAcceptor((r) => statusReply(r)));
    const fd = connectUnix(socketPath);
    const payload = Request.encode(Request.fromPartial({ id: 1, command: { $case: "status", value: {} } })).finish();
    const header = Buffer.alloc(4);
    header.writeUInt32BE(payload.length);
    writeSync(fd, Buffer.concat([header, payload]));
    await eventually(() => events.some((e) => e.type === "connected"), "the connection");
    await new Promise((resolve) => setTimeout(resolve, 100));
    closeSync(fd);
    await eventually(() => events.some((e) => e.type === "disconnected"), "the disconnect");
    const disconnected = events.find((e) => e.type === "disconnected");
    expect(disconnected).toMatchObject({ type: "disconnected", reason: "error", midFrame: false, error: expect.any(Error) });
  });
});
