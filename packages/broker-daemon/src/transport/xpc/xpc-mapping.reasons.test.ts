// SPDX-License-Identifier: Apache-2.0
// The reasons the XPC transport logs for messages it refuses, the request size at
// its exact edge, and the legacy error numbers old clients understand.
import { ErrorCode, Network } from "@vmnet-broker/client/protocol";
import { describe, expect, it } from "vitest";
import type { Outgoing } from "../../core/peer.js";
import { acquireReply, legacyCode, MAX_REQUEST_BYTES, parseXpcMessage, requestReply } from "./xpc-mapping.js";
import { type XpcDictionary, xpcData, xpcDictionary, xpcInt64, xpcString } from "./xpc-value.js";

const keys = (d: XpcDictionary) => d.entries.map(([k]) => k).sort();
const network = (serialization?: unknown): Outgoing => ({
  reply: { id: 1, result: { $case: "network", value: Network.create({ name: "shared" }) } },
  fds: [],
  ...(serialization !== undefined ? { serialization } : {}),
});

describe("XPC message reasons", () => {
  it.each([
    [xpcDictionary({}), "no string 'command'"],
    [xpcDictionary({ command: xpcInt64(1) }), "no string 'command'"],
    [xpcDictionary({ command: xpcString("acquire") }), "acquire without a string 'network_name'"],
    [xpcDictionary({ command: xpcString("request"), request: xpcString("x") }), "request without data 'request'"],
    [xpcDictionary({ command: xpcString("release") }), "unknown command 'release'"],
    [xpcDictionary({ command: xpcString("c".repeat(100)) }), `unknown command '${"c".repeat(64)}'`],
  ])("refuses message %#: %s", (message, reason) => {
    expect(parseXpcMessage(message)).toEqual({ kind: "invalid", reason });
  });

  it("takes request data of exactly the limit, and refuses one byte more", () => {
    expect(MAX_REQUEST_BYTES).toBe(65536);
    const at = parseXpcMessage(xpcDictionary({ command: xpcString("request"), request: xpcData(new Uint8Array(MAX_REQUEST_BYTES)) }));
    expect(at.kind).not.toBe("invalid");
    const over = parseXpcMessage(xpcDictionary({ command: xpcString("request"), request: xpcData(new Uint8Array(MAX_REQUEST_BYTES + 1)) }));
    expect(over).toEqual({ kind: "invalid", reason: "request of 65537 bytes exceeds 65536" });
  });

  it("keeps the codes old clients know and turns newer ones into INTERNAL_ERROR", () => {
    expect(legacyCode(ErrorCode.ERROR_CODE_INTERNAL_ERROR)).toBe(ErrorCode.ERROR_CODE_INTERNAL_ERROR);
    expect(legacyCode(ErrorCode.ERROR_CODE_NOT_FOUND)).toBe(ErrorCode.ERROR_CODE_NOT_FOUND);
    expect(legacyCode(ErrorCode.ERROR_CODE_LIMIT_EXCEEDED)).toBe(ErrorCode.ERROR_CODE_INTERNAL_ERROR);
    expect(legacyCode(ErrorCode.ERROR_CODE_UNSUPPORTED)).toBe(ErrorCode.ERROR_CODE_INTERNAL_ERROR);
  });

  it("answers an upstream acquire without a result, or with another result, with INTERNAL_ERROR", () => {
    const internal = xpcDictionary({ error: xpcInt64(ErrorCode.ERROR_CODE_INTERNAL_ERROR) });
    expect(acquireReply({ reply: { id: 1, result: undefined }, fds: [], serialization: {} })).toEqual(internal);
    const status = { $case: "status" as const, value: {} as never };
    expect(acquireReply({ reply: { id: 1, result: status }, fds: [], serialization: {} })).toEqual(internal);
  });

  it("adds the serialization to a request reply only for a network that has one", () => {
    expect(keys(requestReply(network({ handle: 1 })))).toEqual(["network", "reply"]);
    expect(keys(requestReply(network()))).toEqual(["reply"]);
    const error = { $case: "error" as const, value: { code: ErrorCode.ERROR_CODE_NOT_FOUND, message: "no" } };
    expect(keys(requestReply({ reply: { id: 1, result: error }, fds: [], serialization: {} }))).toEqual(["reply"]);
    expect(keys(requestReply({ reply: { id: 1, result: undefined }, fds: [] }))).toEqual(["reply"]);
  });
});
