// SPDX-License-Identifier: Apache-2.0
// The CLI's XPC client over a scripted native layer: what it sends, and every
// way an answer can be wrong, with the code and message the CLI shows.
import { ErrorCode, Reply, Request } from "@vmnet-broker/client/protocol";
import { describe, expect, it } from "vitest";
import type { DarwinNative, XpcClientNative, XpcSessionHandle } from "./darwin-native.js";
import { replyFromMessage, requestMessage, XpcClientError, XpcSession, xpcStatus } from "./xpc-client.js";
import { type XpcDictionary, type XpcValue, xpcData, xpcDictionary, xpcGet, xpcInt64, xpcString } from "./xpc-value.js";

const replyMessage = (reply: Parameters<typeof Reply.create>[0], extra: Record<string, XpcValue> = {}) =>
  xpcDictionary({ reply: xpcData(Reply.encode(Reply.create(reply)).finish()), ...extra });

/** A native layer that answers each send with the next scripted answer and records what was sent. */
function scripted(...answers: (XpcValue | Error)[]) {
  const sent: { service?: string; session?: XpcSessionHandle; message: XpcDictionary }[] = [];
  const opened: string[] = [];
  const closed: XpcSessionHandle[] = [];
  const next = () => {
    const answer = answers.shift();
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer as XpcValue);
  };
  const native: XpcClientNative = {
    xpcSendRequest: (service, message) => (sent.push({ service, message }), next()),
    xpcOpen: (service) => (opened.push(service), { service } as unknown as XpcSessionHandle),
    xpcSend: (session, message) => (sent.push({ session, message }), next()),
    xpcClose: (session) => void closed.push(session),
  };
  return { native, sent, opened, closed };
}

describe("XPC client", () => {
  it('wraps a request as {command: "request", request: data}', () => {
    const message = requestMessage(Request.create({ id: 7, command: { $case: "status", value: {} } }));
    expect(xpcGet(message, "command")).toEqual(xpcString("request"));
    const data = xpcGet(message, "request");
    expect(data?.type === "data" && Request.decode(data.value)).toMatchObject({ id: 7, command: { $case: "status" } });
  });

  it("explains replies it cannot use", () => {
    const invalid = (message: string) => expect.objectContaining({ code: ErrorCode.ERROR_CODE_INVALID_REPLY, message });
    expect(() => replyFromMessage(xpcString("x"))).toThrow(invalid("reply is string, not a dictionary"));
    expect(() => replyFromMessage(xpcDictionary({}))).toThrow(invalid("reply has neither 'reply' data nor an 'error' code"));
    expect(() => replyFromMessage(xpcDictionary({ error: xpcString("4") }))).toThrow(
      invalid("reply has neither 'reply' data nor an 'error' code"),
    );
    expect(() => replyFromMessage(xpcDictionary({ reply: xpcData(new Uint8Array([0xff, 0xff])) }))).toThrow(
      expect.objectContaining({ code: ErrorCode.ERROR_CODE_INVALID_REPLY, message: expect.stringMatching(/^undecodable reply: .+/) }),
    );
    expect(() => replyFromMessage(xpcDictionary({ error: xpcInt64(4) }))).toThrow(
      expect.objectContaining({ code: 4, message: "broker answered with error 4", name: "XpcClientError" }),
    );
  });

  it("reads status from the named service, and passes on the broker's error", async () => {
    const { native, sent } = scripted(
      replyMessage({ id: 1, result: { $case: "status", value: { brokerVersion: "2.0" } } }),
      replyMessage({ id: 1, result: { $case: "error", value: { code: ErrorCode.ERROR_CODE_NOT_ALLOWED, message: "no" } } }),
      replyMessage({ id: 1, result: { $case: "hello", value: {} } }),
      replyMessage({ id: 1 }),
      new Error("XPC_ERROR_CONNECTION_INVALID"),
    );
    const darwin = native as DarwinNative;
    expect((await xpcStatus("com.example.broker", darwin)).brokerVersion).toBe("2.0");
    expect(sent[0]?.service).toBe("com.example.broker");
    const request = xpcGet(sent[0]!.message, "request");
    expect(request?.type === "data" && Request.decode(request.value)).toMatchObject({ id: 1, command: { $case: "status" } });
    await expect(xpcStatus("s", darwin)).rejects.toEqual(new XpcClientError(ErrorCode.ERROR_CODE_NOT_ALLOWED, "no"));
    await expect(xpcStatus("s", darwin)).rejects.toMatchObject({
      code: ErrorCode.ERROR_CODE_INVALID_REPLY,
      message: "expected a status reply, got hello",
    });
    await expect(xpcStatus("s", darwin)).rejects.toMatchObject({ message: "expected a status reply, got nothing" });
    await expect(xpcStatus("s", darwin)).rejects.toMatchObject({
      code: ErrorCode.ERROR_CODE_TRANSPORT_FAILURE,
      message: "XPC_ERROR_CONNECTION_INVALID",
    });
  });

  it("holds a session: numbered acquires on one connection, the network with its serialization, then close", async () => {
    const serialization = xpcDictionary({ uuid: xpcString("abc") });
    const { native, sent, opened, closed } = scripted(
      replyMessage({ id: 1, result: { $case: "network", value: { name: "shared" } } }, { network: serialization }),
      replyMessage({ id: 2, result: { $case: "error", value: { code: ErrorCode.ERROR_CODE_NOT_FOUND, message: 'no network named "x"' } } }),
      replyMessage({ id: 3, result: { $case: "network", value: { name: "host" } } }),
      xpcDictionary({
        reply: xpcData(Reply.encode(Reply.create({ id: 4, result: { $case: "hello", value: {} } })).finish()),
        network: serialization,
      }),
    );
    const session = XpcSession.open("com.example.broker", native);
    expect(opened).toEqual(["com.example.broker"]);
    const acquired = await session.acquire("shared");
    expect(acquired.network.name).toBe("shared");
    expect(acquired.serialization).toEqual(serialization);
    await expect(session.acquire("x")).rejects.toEqual(new XpcClientError(ErrorCode.ERROR_CODE_NOT_FOUND, 'no network named "x"'));
    const withoutSerialization = expect.objectContaining({
      code: ErrorCode.ERROR_CODE_INVALID_REPLY,
      message: "an acquire reply without a network and its serialization",
    });
    await expect(session.acquire("host")).rejects.toEqual(withoutSerialization);
    await expect(session.acquire("y")).rejects.toEqual(withoutSerialization);
    const ids = sent.map((s) => {
      const data = xpcGet(s.message, "request");
      return data?.type === "data" ? Request.decode(data.value) : undefined;
    });
    expect(ids.map((r) => [r?.id, r?.command?.$case === "acquire" && r.command.value.networkName])).toEqual([
      [1, "shared"],
      [2, "x"],
      [3, "host"],
      [4, "y"],
    ]);
    expect(sent.every((s) => s.session === sent[0]?.session && s.session !== undefined)).toBe(true);
    session.close();
    expect(closed).toEqual([sent[0]?.session]);
  });

  it("turns a failed send into TRANSPORT_FAILURE with the reason", async () => {
    const { native } = scripted(new Error("connection interrupted"));
    const session = XpcSession.open("s", native);
    await expect(session.acquire("shared")).rejects.toMatchObject({
      code: ErrorCode.ERROR_CODE_TRANSPORT_FAILURE,
      message: "connection interrupted",
    });
  });

  it("refuses an acquire answered with an empty Reply", async () => {
    const { native } = scripted(replyMessage({ id: 1 }, { network: xpcString("s") }));
    await expect(XpcSession.open("s", native).acquire("shared")).rejects.toMatchObject({
      code: ErrorCode.ERROR_CODE_INVALID_REPLY,
      message: "an acquire reply without a network and its serialization",
    });
  });
});
