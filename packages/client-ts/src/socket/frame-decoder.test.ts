// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from "vitest";
import { FrameDecoder } from "./frame-decoder.js";
import { encodeFrame, FrameTooLargeError } from "./frame-encoder.js";
import { MAX_REPLY_PAYLOAD, MAX_REQUEST_PAYLOAD } from "./frame-limits.js";

const frame = (text: string) => encodeFrame(Buffer.from(text), MAX_REQUEST_PAYLOAD);
const texts = (frames: { payload: Buffer }[]) => frames.map((f) => f.payload.toString());

describe("FrameDecoder", () => {
  it("decodes frames joined in one chunk", () => {
    const decoder = new FrameDecoder(MAX_REQUEST_PAYLOAD);
    const result = decoder.push(Buffer.concat([frame("one"), frame(""), frame("three")]));
    expect(texts(result.frames)).toEqual(["one", "", "three"]);
    expect(result.error).toBeUndefined();
    expect(decoder.midFrame).toBe(false);
  });

  it("decodes a frame split at every possible byte", () => {
    const bytes = Buffer.concat([frame("hello"), frame("world!")]);
    for (let cut = 1; cut < bytes.length; cut++) {
      const decoder = new FrameDecoder(MAX_REQUEST_PAYLOAD);
      const first = decoder.push(bytes.subarray(0, cut));
      const second = decoder.push(bytes.subarray(cut));
      expect(texts([...first.frames, ...second.frames])).toEqual(["hello", "world!"]);
    }
  });

  it("decodes one byte at a time", () => {
    const decoder = new FrameDecoder(MAX_REQUEST_PAYLOAD);
    const bytes = Buffer.concat([frame("abc"), frame("de")]);
    const out: string[] = [];
    for (const byte of bytes) out.push(...texts(decoder.push(Buffer.of(byte)).frames));
    expect(out).toEqual(["abc", "de"]);
  });

  it("accepts a payload of exactly the maximum and rejects one byte more", () => {
    const atMax = new FrameDecoder(MAX_REQUEST_PAYLOAD).push(
      encodeFrame(Buffer.alloc(MAX_REQUEST_PAYLOAD, 7), MAX_REQUEST_PAYLOAD),
    );
    expect(atMax.frames).toHaveLength(1);
    expect(atMax.frames[0]?.payload.length).toBe(MAX_REQUEST_PAYLOAD);

    const header = Buffer.alloc(4);
    header.writeUInt32BE(MAX_REQUEST_PAYLOAD + 1);
    const decoder = new FrameDecoder(MAX_REQUEST_PAYLOAD);
    const over = decoder.push(Buffer.concat([frame("before"), header]));
    expect(texts(over.frames)).toEqual(["before"]);
    expect(over.error?.kind).toBe("oversize");
    expect(over.error?.message).toContain(String(MAX_REQUEST_PAYLOAD + 1));
    // A broken stream stays broken.
    expect(decoder.push(frame("after")).error?.kind).toBe("oversize");
  });

  it("uses the reply limit when configured for replies", () => {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(MAX_REPLY_PAYLOAD);
    expect(new FrameDecoder(MAX_REPLY_PAYLOAD).push(header).error).toBeUndefined();
    header.writeUInt32BE(MAX_REPLY_PAYLOAD + 1);
    expect(new FrameDecoder(MAX_REPLY_PAYLOAD).push(header).error?.kind).toBe("oversize");
  });

  it("attaches fds to the last frame that starts in the chunk", () => {
    const decoder = new FrameDecoder(MAX_REQUEST_PAYLOAD);
    const bytes = Buffer.concat([frame("a"), frame("b"), frame("c")]);
    const result = decoder.push(bytes, [10, 11]);
    expect(result.frames.map((f) => f.fds)).toEqual([[], [], [10, 11]]);
  });

  it("gives fds to a frame that starts in the chunk but completes later", () => {
    const decoder = new FrameDecoder(MAX_REQUEST_PAYLOAD);
    const bytes = Buffer.concat([frame("first"), frame("second")]);
    const cut = bytes.length - 3;
    const head = decoder.push(bytes.subarray(0, cut), [20]);
    expect(texts(head.frames)).toEqual(["first"]);
    expect(head.frames[0]?.fds).toEqual([]);
    const tail = decoder.push(bytes.subarray(cut));
    expect(texts(tail.frames)).toEqual(["second"]);
    expect(tail.frames[0]?.fds).toEqual([20]);
  });

  it("counts a frame as started by its first header byte", () => {
    const decoder = new FrameDecoder(MAX_REQUEST_PAYLOAD);
    const first = frame("x");
    const second = frame("y");
    // The chunk ends the first frame and carries only 1 byte of the second's header.
    const chunk = Buffer.concat([first.subarray(2), second.subarray(0, 1)]);
    decoder.push(first.subarray(0, 2));
    const result = decoder.push(chunk, [30]);
    expect(result.frames[0]?.fds).toEqual([]);
    expect(texts(decoder.push(second.subarray(1)).frames)).toEqual(["y"]);
  });

  it("reports fds that arrive with no frame start as stray, to be closed", () => {
    const decoder = new FrameDecoder(MAX_REQUEST_PAYLOAD);
    const bytes = frame("payload");
    decoder.push(bytes.subarray(0, 5), [40]);
    const result = decoder.push(bytes.subarray(5), [41]);
    expect(result.error?.kind).toBe("stray-fds");
    // The frame itself is whole and keeps the fds that came with its start.
    expect(result.frames.map((f) => f.fds)).toEqual([[40]]);
    expect(result.unclaimedFds).toEqual([41]);
  });

  it("stops after maxFrames and gives the chunk's fds to the rest", () => {
    const decoder = new FrameDecoder(MAX_REQUEST_PAYLOAD);
    const bytes = Buffer.concat([frame("a"), frame("b"), frame("c")]);
    const first = decoder.push(bytes, [60], 1);
    expect(texts(first.frames)).toEqual(["a"]);
    expect(first.consumed).toBe(frame("a").length);
    expect(first.frames[0]?.fds).toEqual([]);
    expect(decoder.midFrame).toBe(false);
    const rest = decoder.push(bytes.subarray(first.consumed), [60]);
    expect(rest.frames.map((f) => [f.payload.toString(), f.fds])).toEqual([
      ["b", []],
      ["c", [60]],
    ]);
    expect(rest.consumed).toBe(bytes.length - first.consumed);
  });

  it("gives back the fds of an unfinished frame on dispose", () => {
    const decoder = new FrameDecoder(MAX_REQUEST_PAYLOAD);
    decoder.push(frame("unfinished").subarray(0, 6), [50]);
    expect(decoder.midFrame).toBe(true);
    expect(decoder.dispose()).toEqual([50]);
  });
});

describe("encodeFrame", () => {
  it("prefixes a big-endian length", () => {
    expect([...encodeFrame(Buffer.from("hi"), 10)]).toEqual([0, 0, 0, 2, 0x68, 0x69]);
  });

  it("refuses payloads above the limit", () => {
    expect(() => encodeFrame(Buffer.alloc(11), 10)).toThrow(FrameTooLargeError);
  });
});
