// SPDX-License-Identifier: Apache-2.0
// `vmnet-broker events` over XPC with a scripted native layer: the subscribe it
// sends, events in order, and each way the stream can end.
import { ErrorCode, EventType, Reply, Request } from "@vmnet-broker/client/protocol";
import { describe, expect, it } from "vitest";
import type { XpcClientNative, XpcIncoming, XpcSessionHandle } from "./darwin-native.js";
import { xpcEvents } from "./xpc-events.js";
import { type XpcDictionary, type XpcValue, xpcData, xpcDictionary, xpcGet } from "./xpc-value.js";

const message = (reply: Parameters<typeof Reply.create>[0]) =>
  xpcDictionary({ reply: xpcData(Reply.encode(Reply.create(reply)).finish()) });
const event = (sequence: bigint, type: EventType) => message({ id: 1, result: { $case: "event", value: { sequence, type } } });

/** A native layer whose session answers the subscribe with `answer` and lets the test push. */
function scripted(answer: XpcValue) {
  let deliver: ((incoming: XpcIncoming) => void) | undefined;
  const sent: XpcDictionary[] = [];
  let closed = 0;
  const native: XpcClientNative = {
    xpcSendRequest: () => Promise.reject(new Error("not used")),
    xpcOpen: (_service, onIncoming) => {
      deliver = onIncoming;
      return {} as XpcSessionHandle;
    },
    xpcSend: (_session, body) => (sent.push(body), Promise.resolve(answer)),
    xpcClose: () => void closed++,
  };
  return { native, sent, push: (incoming: XpcIncoming) => deliver?.(incoming), closed: () => closed };
}

async function collect(stream: AsyncIterable<{ sequence: bigint }>, count: number): Promise<bigint[]> {
  const out: bigint[] = [];
  for await (const e of stream) {
    out.push(e.sequence);
    if (out.length === count) break;
  }
  return out;
}

describe("xpcEvents", () => {
  it("subscribes on a session of its own and yields events in order; leaving the loop closes it", async () => {
    const s = scripted(message({ id: 1, result: { $case: "subscription", value: { nextSequence: 5n } } }));
    const stream = await xpcEvents("svc", s.native);
    expect(stream.nextSequence).toBe(5n);
    const sentRequest = xpcGet(s.sent[0] as XpcDictionary, "request");
    expect(sentRequest?.type === "data" && Request.decode(sentRequest.value).command?.$case).toBe("subscribe");
    s.push({ type: "message", message: event(5n, EventType.EVENT_TYPE_NETWORK_CREATED) });
    const reading = collect(stream, 2);
    s.push({ type: "message", message: event(6n, EventType.EVENT_TYPE_NETWORK_REMOVED) });
    expect(await reading).toEqual([5n, 6n]);
    expect(s.closed()).toBe(1);
  });

  it("ends with TRANSPORT_FAILURE naming the XPC error when the broker drops the connection", async () => {
    const s = scripted(message({ id: 1, result: { $case: "subscription", value: { nextSequence: 1n } } }));
    const stream = await xpcEvents("svc", s.native);
    s.push({ type: "message", message: event(1n, EventType.EVENT_TYPE_PEER_CONNECTED) });
    s.push({ type: "error", message: "XPC_ERROR_CONNECTION_INVALID (the broker closed the connection)" });
    await expect(collect(stream, 5)).rejects.toMatchObject({
      code: ErrorCode.ERROR_CODE_TRANSPORT_FAILURE,
      message: expect.stringContaining("XPC_ERROR_CONNECTION_INVALID"),
    });
  });

  it("rejects a subscription the broker refuses with its code, and closes the session", async () => {
    const s = scripted(message({ id: 1, result: { $case: "error", value: { code: ErrorCode.ERROR_CODE_UNSUPPORTED, message: "no" } } }));
    await expect(xpcEvents("svc", s.native)).rejects.toMatchObject({ code: ErrorCode.ERROR_CODE_UNSUPPORTED });
    expect(s.closed()).toBe(1);
  });

  it("reports a pushed message that is not an event as INVALID_REPLY", async () => {
    const s = scripted(message({ id: 1, result: { $case: "subscription", value: { nextSequence: 1n } } }));
    const stream = await xpcEvents("svc", s.native);
    s.push({ type: "message", message: message({ id: 1, result: { $case: "status", value: {} } }) });
    await expect(collect(stream, 1)).rejects.toMatchObject({ code: ErrorCode.ERROR_CODE_INVALID_REPLY });
  });

  it("ends quietly when closed by the caller (SIGINT)", async () => {
    const s = scripted(message({ id: 1, result: { $case: "subscription", value: { nextSequence: 1n } } }));
    const stream = await xpcEvents("svc", s.native);
    const reading = collect(stream, 3);
    stream.close();
    expect(await reading).toEqual([]);
  });
});
