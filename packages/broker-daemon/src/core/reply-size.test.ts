// SPDX-License-Identifier: Apache-2.0
import { ErrorCode, Reply } from "@vmnet-broker/client/protocol";
import { describe, expect, it } from "vitest";
import { encodeReply } from "./reply-size.js";

const errorReply = (id: number, message: string) =>
  Reply.fromPartial({ id, result: { $case: "error", value: { code: ErrorCode.ERROR_CODE_NOT_FOUND, message } } });

describe("encodeReply", () => {
  it("encodes as the generated codec does, each reply into bytes of its own", () => {
    const first = encodeReply(errorReply(1, "first"));
    const firstCopy = Uint8Array.from(first);
    const second = encodeReply(errorReply(2, "a longer second message"));
    expect(first).toEqual(firstCopy);
    expect(first).toEqual(Reply.encode(errorReply(1, "first")).finish());
    expect(second).toEqual(Reply.encode(errorReply(2, "a longer second message")).finish());
    expect(Reply.decode(second).id).toBe(2);
  });

  it("starts clean after a reply that failed half way", () => {
    // id is written, then the nested Network's mtu (-1 is no uint32) throws.
    const broken = Reply.fromPartial({ id: 7, result: { $case: "network", value: { name: "x", mtu: -1 } } });
    expect(() => encodeReply(broken)).toThrow();
    const next = encodeReply(errorReply(3, "after"));
    expect(next).toEqual(Reply.encode(errorReply(3, "after")).finish());
  });

  it("encodes a large reply and then small ones correctly", () => {
    const large = encodeReply(errorReply(4, "y".repeat(100_000)));
    expect(Reply.decode(large).id).toBe(4);
    expect(encodeReply(errorReply(5, "small"))).toEqual(Reply.encode(errorReply(5, "small")).finish());
  });
});
