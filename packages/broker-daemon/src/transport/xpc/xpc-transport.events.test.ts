// SPDX-License-Identifier: Apache-2.0
// The XPC transport over a scripted core: the events it reports for the log, what
// it answers when the core fails, and what it does with peers it does not know.
import { fstatSync, openSync } from "node:fs";
import { ErrorCode, Reply, Request } from "@vmnet-broker/client/protocol";
import { describe, expect, it } from "vitest";
import type { Outgoing } from "../../core/peer.js";
import { FakeAcceptor } from "../unix/fake-acceptor.test-util.js";
import type { XpcEvent, XpcNative } from "./darwin-native.js";
import { XpcNativeDouble } from "./native-double.test-util.js";
import { MAX_REQUEST_BYTES } from "./xpc-mapping.js";
import { DEFAULT_SERVICE_NAME, XpcTransport, type XpcTransportEvent } from "./xpc-transport.js";
import { type XpcDictionary, xpcData, xpcDictionary, xpcGet, xpcInt64, xpcString } from "./xpc-value.js";

const request = (r: Request) => xpcDictionary({ command: xpcString("request"), request: xpcData(Request.encode(r).finish()) });
const status = (id: number) => request({ id, command: { $case: "status", value: {} } });
const replyOf = (body: XpcDictionary) => {
  const data = xpcGet(body, "reply");
  if (data?.type !== "data") throw new Error("no reply");
  return Reply.decode(data.value);
};
const fdOpen = (fd: number) => {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
};

function setup(respond: (request: Request) => Promise<Outgoing> | Outgoing, serviceName?: string) {
  const xpc = new XpcNativeDouble();
  const acceptor = new FakeAcceptor((r) => respond(r));
  const events: XpcTransportEvent[] = [];
  const transport = XpcTransport.listen(acceptor, { native: xpc, onEvent: (e) => events.push(e), ...(serviceName ? { serviceName } : {}) });
  return { xpc, acceptor, events, transport };
}

const ok = (r: Request): Outgoing => ({
  reply: Reply.fromPartial({ id: r.id, result: { $case: "status", value: { brokerVersion: "t" } } }),
  fds: [],
});

describe("XpcTransport events", () => {
  it("describes itself by its service name and counts its peers", () => {
    const { xpc, transport } = setup(ok, "com.example.test");
    expect(xpc.serviceName).toBe("com.example.test");
    expect(transport.description).toBe("xpc:com.example.test");
    const defaults = setup(ok);
    expect(defaults.transport.description).toBe(`xpc:${DEFAULT_SERVICE_NAME}`);
    expect(DEFAULT_SERVICE_NAME).toBe("com.github.nirs.vmnet-broker");
    xpc.connect(1, 501, 20, 99);
    xpc.connect(2);
    expect(transport.peerCount).toBe(2);
    xpc.disconnect(1);
    xpc.disconnect(1);
    expect(transport.peerCount).toBe(1);
  });

  it("gives the core the peer's euid, egid and pid, as an xpc peer", () => {
    const { xpc, acceptor } = setup(ok);
    xpc.connect(7, 501, 20, 4321);
    expect(acceptor.peers[0]).toMatchObject({ credentials: { uid: 501, gid: 20, pid: 4321 }, transport: "xpc" });
  });

  it("answers INTERNAL_ERROR when the core throws, reporting the error", async () => {
    const boom = new Error("core bug");
    const { xpc, events } = setup(() => Promise.reject(boom));
    xpc.connect(1);
    const reply = replyOf(await xpc.send(1, status(41)));
    expect(reply).toMatchObject({
      id: 41,
      result: { $case: "error", value: { code: ErrorCode.ERROR_CODE_INTERNAL_ERROR, message: "internal error" } },
    });
    expect(events).toEqual([{ type: "handler-error", peer: 1, error: boom }]);
  });

  it("closes fds the core hands over: XPC carries none", async () => {
    const fd = openSync("/dev/null", "r");
    const { xpc } = setup((r) => ({ ...ok(r), fds: [fd] }));
    xpc.connect(1);
    expect(replyOf(await xpc.send(1, status(1)))).toMatchObject({ id: 1, result: { $case: "status" } });
    expect(fdOpen(fd)).toBe(false);
  });

  it("reports why a message was refused", async () => {
    const { xpc, events } = setup(ok);
    xpc.connect(1);
    expect(xpcGet(await xpc.send(1, xpcString("hi")), "error")).toEqual(xpcInt64(ErrorCode.ERROR_CODE_INVALID_REQUEST));
    expect(xpcGet(await xpc.send(1, xpcDictionary({ command: xpcString("acquire"), network_name: xpcString("") })), "error")).toEqual(
      xpcInt64(ErrorCode.ERROR_CODE_NOT_FOUND),
    );
    const big = xpcDictionary({ command: xpcString("request"), request: xpcData(new Uint8Array(MAX_REQUEST_BYTES + 1)) });
    expect(xpcGet(await xpc.send(1, big), "error")).toEqual(xpcInt64(ErrorCode.ERROR_CODE_INVALID_REQUEST));
    const bad = xpcDictionary({ command: xpcString("request"), request: xpcData(new Uint8Array([0xff, 0xff, 0xff])) });
    expect(replyOf(await xpc.send(1, bad))).toMatchObject({
      id: 0,
      result: {
        $case: "error",
        value: { code: ErrorCode.ERROR_CODE_INVALID_REQUEST, message: expect.stringMatching(/^undecodable request: /) },
      },
    });
    expect(events.map((e) => (e.type === "invalid-message" ? e.reason : e.type))).toEqual([
      "message is string, not a dictionary",
      "acquire with an empty 'network_name'",
      `request of ${MAX_REQUEST_BYTES + 1} bytes exceeds ${MAX_REQUEST_BYTES}`,
      expect.any(String),
    ]);
    expect(events.every((e) => e.type === "invalid-message" && e.peer === 1)).toBe(true);
  });

  it("reports messages from unknown peers and listener errors, and answers nothing after a peer left", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { xpc, events, acceptor } = setup(async (r) => {
      await gate;
      return ok(r);
    });
    xpc.sendNoReply(9, status(1));
    xpc.listenerError("XPC_ERROR_CONNECTION_INTERRUPTED");
    expect(events).toEqual([
      { type: "unknown-peer", peer: 9 },
      { type: "listener-error", message: "XPC_ERROR_CONNECTION_INTERRUPTED" },
    ]);
    xpc.connect(1);
    void xpc.send(1, status(1));
    void xpc.send(1, status(2));
    await Promise.resolve();
    xpc.disconnect(1);
    release();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(xpc.sent).toEqual([]);
    xpc.connect(2);
    expect(replyOf(await xpc.send(2, status(3)))).toMatchObject({ id: 3, result: { $case: "status" } });
    expect(acceptor.peers[0]?.requests.map((r) => r.request.id)).toEqual([1]);
    expect(acceptor.peers[0]?.closeCount).toBe(1);
  });

  it("accepts no peer once closed, and closes each open peer once", () => {
    const { xpc, transport, acceptor } = setup(ok);
    xpc.connect(1);
    transport.close();
    transport.close();
    expect(xpc.listening).toBe(false);
    expect(acceptor.peers[0]?.closeCount).toBe(1);
    expect(transport.peerCount).toBe(0);
  });

  it("reports a core that refuses a connection instead of throwing into the addon", () => {
    const xpc = new XpcNativeDouble();
    const events: XpcTransportEvent[] = [];
    const refusal = new Error("limit max-connections (1) reached");
    XpcTransport.listen(
      {
        connect: () => {
          throw refusal;
        },
      },
      { native: xpc, onEvent: (e) => events.push(e) },
    );
    expect(() => xpc.connect(3)).not.toThrow();
    expect(events).toEqual([{ type: "handler-error", peer: 3, error: refusal }]);
  });

  describe("over a hand-driven native layer", () => {
    function manual(xpcReply: XpcNative["xpcReply"] = () => {}) {
      let emit!: (event: XpcEvent) => void;
      const closes: number[] = [];
      const native: XpcNative = {
        xpcListen: (_service, onEvent) => {
          emit = onEvent;
          return { close: () => void closes.push(1) };
        },
        xpcReply,
      };
      const acceptor = new FakeAcceptor(ok);
      const events: XpcTransportEvent[] = [];
      const transport = XpcTransport.listen(acceptor, { native, onEvent: (e) => events.push(e) });
      return { emit: (event: XpcEvent) => emit(event), closes, acceptor, events, transport };
    }
    const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

    it("closes its listener once, and accepts no peer after close", () => {
      const { emit, closes, acceptor, transport } = manual();
      transport.close();
      transport.close();
      expect(closes).toEqual([1]);
      emit({ type: "connect", peer: 1, euid: 501, egid: 20, pid: 1 });
      expect(acceptor.peers).toEqual([]);
      expect(transport.peerCount).toBe(0);
    });

    it("handles a message without a reply context and answers nothing", async () => {
      const replies: unknown[] = [];
      const { emit, acceptor, events } = manual((_reply, body) => void replies.push(body));
      emit({ type: "connect", peer: 1, euid: 501, egid: 20, pid: 1 });
      emit({ type: "message", peer: 1, message: status(6), reply: null });
      await tick();
      expect(acceptor.peers[0]?.requests.map((r) => r.request.id)).toEqual([6]);
      expect(replies).toEqual([]);
      expect(events).toEqual([]);
    });

    it("ignores a disconnect of a peer it does not know", () => {
      const { emit, events } = manual();
      emit({ type: "disconnect", peer: 42 });
      expect(events).toEqual([]);
    });

    it("reports a reply the native layer could not send", async () => {
      const failure = new Error("xpc_connection_send_message failed");
      const { emit, events } = manual(() => {
        throw failure;
      });
      emit({ type: "connect", peer: 1, euid: 501, egid: 20, pid: 1 });
      emit({ type: "message", peer: 1, message: status(7), reply: {} as never });
      await tick();
      expect(events).toEqual([{ type: "handler-error", peer: 1, error: failure }]);
    });
  });
});
