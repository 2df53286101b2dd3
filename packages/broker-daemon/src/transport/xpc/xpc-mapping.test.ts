// SPDX-License-Identifier: Apache-2.0
import { ErrorCode, Network, Reply, Request } from "@vmnet-broker/client/protocol";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Outgoing } from "../../core/peer.js";
import { acquireReply, errorReply, MAX_REQUEST_BYTES, parseXpcMessage, requestReply, undecodableReply } from "./xpc-mapping.js";
import { type XpcDictionary, type XpcValue, xpcData, xpcDictionary, xpcGet, xpcInt64, xpcString } from "./xpc-value.js";

const keys = (d: XpcDictionary) => d.entries.map(([k]) => k).sort();

function decodeReply(d: XpcDictionary): Reply {
  const data = xpcGet(d, "reply");
  if (data?.type !== "data") throw new Error("no reply data");
  return Reply.decode(data.value);
}

describe("parseXpcMessage", () => {
  it("maps the upstream acquire to Request.acquire", () => {
    const parsed = parseXpcMessage(xpcDictionary({ command: xpcString("acquire"), network_name: xpcString("shared") }));
    expect(parsed).toEqual({ kind: "acquire", request: { id: 0, command: { $case: "acquire", value: { networkName: "shared" } } } });
  });

  it("decodes a protobuf Request carried as data", () => {
    const request: Request = { id: 7, command: { $case: "status", value: {} } };
    const parsed = parseXpcMessage(xpcDictionary({ command: xpcString("request"), request: xpcData(Request.encode(request).finish()) }));
    expect(parsed.kind).toBe("request");
    expect(parsed.kind === "request" && parsed.request.id).toBe(7);
    expect(parsed.kind === "request" && parsed.request.command?.$case).toBe("status");
  });

  const invalid: Array<[string, XpcValue]> = [
    ["a non-dictionary message", xpcString("acquire")],
    ["no command", xpcDictionary({ network_name: xpcString("shared") })],
    ["a command that is not a string", xpcDictionary({ command: xpcInt64(1), network_name: xpcString("shared") })],
    ["an unknown command", xpcDictionary({ command: xpcString("release"), network_name: xpcString("shared") })],
    ["acquire without network_name", xpcDictionary({ command: xpcString("acquire") })],
    ["acquire with a network_name that is not a string", xpcDictionary({ command: xpcString("acquire"), network_name: xpcInt64(3) })],
    ["request without data", xpcDictionary({ command: xpcString("request") })],
    ["request with a string instead of data", xpcDictionary({ command: xpcString("request"), request: xpcString("x") })],
    [
      "request above the size limit",
      xpcDictionary({ command: xpcString("request"), request: xpcData(new Uint8Array(MAX_REQUEST_BYTES + 1)) }),
    ],
    ["an unsupported value as command", xpcDictionary({ command: { type: "unsupported", name: "fd" } })],
  ];
  for (const [what, message] of invalid) {
    it(`rejects ${what}`, () => {
      expect(parseXpcMessage(message).kind).toBe("invalid");
    });
  }

  it("reports request data that is not a Request as undecodable", () => {
    // Field 1 as a length-delimited value claiming more bytes than there are.
    const parsed = parseXpcMessage(xpcDictionary({ command: xpcString("request"), request: xpcData(Uint8Array.of(0x0a, 0x7f, 0x01)) }));
    expect(parsed.kind).toBe("undecodable");
  });

  it("accepts empty request data as an empty Request (answered by the core)", () => {
    const parsed = parseXpcMessage(xpcDictionary({ command: xpcString("request"), request: xpcData(new Uint8Array(0)) }));
    expect(parsed).toMatchObject({ kind: "request", request: { id: 0, command: undefined } });
  });

  it("never throws, whatever the dictionary holds", () => {
    const leaf: fc.Arbitrary<XpcValue> = fc.oneof(
      fc.string().map((value) => ({ type: "string" as const, value })),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((value) => ({ type: "int64" as const, value })),
      fc.uint8Array({ maxLength: 64 }).map((value) => ({ type: "data" as const, value })),
      fc.boolean().map((value) => ({ type: "bool" as const, value })),
      fc.constant({ type: "null" as const }),
    );
    const key = fc.oneof(fc.constantFrom("command", "network_name", "request"), fc.string());
    const commandValue = fc.oneof(
      leaf,
      fc.constantFrom("acquire", "request").map((value) => ({ type: "string" as const, value })),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(key, commandValue), { maxLength: 6 }), (entries) => {
        const parsed = parseXpcMessage({ type: "dictionary", entries });
        expect(["acquire", "request", "undecodable", "invalid"]).toContain(parsed.kind);
      }),
    );
  });
});

describe("replies", () => {
  const serialization = { opaque: true };
  const network: Outgoing = {
    reply: { id: 0, result: { $case: "network", value: Network.fromPartial({ name: "shared" }) } },
    fds: [],
    serialization,
  };
  const failed: Outgoing = {
    reply: { id: 0, result: { $case: "error", value: { code: ErrorCode.ERROR_CODE_NOT_FOUND, message: "no such network" } } },
    fds: [],
  };

  it("answers a successful acquire with the serialization under network, and nothing else", () => {
    const reply = acquireReply(network);
    expect(keys(reply)).toEqual(["network"]);
    expect(xpcGet(reply, "network")).toEqual({ type: "object", handle: serialization });
  });

  it("answers a failed acquire with the int64 error code only", () => {
    const reply = acquireReply(failed);
    expect(keys(reply)).toEqual(["error"]);
    expect(xpcGet(reply, "error")).toEqual({ type: "int64", value: 5n });
  });

  it("answers INTERNAL_ERROR when a network comes without a serialization", () => {
    const { serialization: _, ...bare } = network;
    expect(xpcGet(acquireReply(bare), "error")).toEqual({ type: "int64", value: BigInt(ErrorCode.ERROR_CODE_INTERNAL_ERROR) });
  });

  it("encodes the Reply for a request command, adding the serialization for an acquire", () => {
    const reply = requestReply(network);
    expect(keys(reply)).toEqual(["network", "reply"]);
    expect(decodeReply(reply).result?.$case).toBe("network");
    expect(keys(requestReply(failed))).toEqual(["reply"]);
    expect(decodeReply(requestReply(failed)).result).toMatchObject({ $case: "error", value: { code: ErrorCode.ERROR_CODE_NOT_FOUND } });
  });

  it("answers undecodable data like an undecodable Unix frame", () => {
    const reply = decodeReply(undecodableReply("truncated"));
    expect(reply.id).toBe(0);
    expect(reply.result).toMatchObject({ $case: "error", value: { code: ErrorCode.ERROR_CODE_INVALID_REQUEST } });
  });

  it("uses the upstream error numbers", () => {
    expect(xpcGet(errorReply(ErrorCode.ERROR_CODE_INVALID_REQUEST), "error")).toEqual({ type: "int64", value: 4n });
  });
});
