// SPDX-License-Identifier: Apache-2.0
/**
 * Hostile input: truncated and bit-flipped vectors, random bytes, known field
 * numbers with the wrong wire type, and huge length prefixes. Decoding must
 * throw an Error or return a message (which then re-encodes stably); it must
 * never hang, crash the process, or throw something that is not an Error.
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { decodeOutcome, guarded } from "./decode-outcome.js";
import { allCodecs, type Codec, type GoldenVector, loadVectors } from "./vectors.js";

const vectors = loadVectors();
const codecs = [...allCodecs().values()];
const nonEmpty = vectors.filter((v) => v.bytes.length > 0);
let inputs = 0;

/** A test whose decodes run under a watchdog: an endless loop fails, never hangs. */
const HANG_LIMIT_MS = 60_000;
const hostile = (name: string, body: () => void): void => {
  it(name, () => guarded(HANG_LIMIT_MS, body), HANG_LIMIT_MS * 2);
};

function check(codec: Codec, input: Uint8Array): void {
  inputs++;
  decodeOutcome(codec, input);
}

/** Minimal varint encoding of a non-negative integer below 2^64. */
function varint(value: bigint): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

const codecNames = [...allCodecs().keys()];
const anyCodecName = fc.constantFrom(...codecNames);
function codecByName(name: string): Codec {
  const codec = allCodecs().get(name);
  if (codec === undefined) throw new Error(`no codec ${name}`);
  return codec;
}
// Vectors by index, so that a counterexample prints short.
const anyVectorIndex = fc.integer({ min: 0, max: nonEmpty.length - 1 });
function vectorAt(i: number): GoldenVector {
  const v = nonEmpty[i];
  if (v === undefined) throw new Error(`no vector ${i}`);
  return v;
}

describe("decoding garbage", () => {
  hostile("survives every truncation of every vector", () => {
    for (const v of nonEmpty) {
      // Large vectors: every prefix near both ends, plus a spread in between.
      const step = v.bytes.length > 512 ? Math.ceil(v.bytes.length / 256) : 1;
      for (let len = 0; len < v.bytes.length; len++) {
        if (len < 64 || v.bytes.length - len < 64 || len % step === 0) check(v.codec, v.bytes.subarray(0, len));
      }
    }
  });

  hostile("survives single and multiple bit flips of vectors", () => {
    fc.assert(
      fc.property(anyVectorIndex, fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), (i, flips) => {
        const v = vectorAt(i);
        const bytes = Uint8Array.from(v.bytes);
        for (const f of flips) {
          const bit = f % (bytes.length * 8);
          bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) ^ (1 << (bit & 7));
        }
        check(v.codec, bytes);
      }),
      { numRuns: 3000 },
    );
  });

  hostile("survives random bytes as any message type", () => {
    fc.assert(
      fc.property(anyCodecName, fc.uint8Array({ maxLength: 300 }), (name, bytes) => check(codecByName(name), bytes)),
      { numRuns: 3000 },
    );
  });

  hostile("survives known field numbers with every wire type, spliced into vectors", () => {
    fc.assert(
      fc.property(
        anyVectorIndex,
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 0, max: 7 }),
        fc.uint8Array({ maxLength: 24 }),
        fc.nat(),
        (i, field, wireType, payload, at) => {
          const v = vectorAt(i);
          const cut = at % (v.bytes.length + 1);
          const injected = [...varint(BigInt(field * 8 + wireType)), ...payload];
          check(v.codec, Uint8Array.from([...v.bytes.subarray(0, cut), ...injected, ...v.bytes.subarray(cut)]));
          check(v.codec, Uint8Array.from([...v.bytes, ...injected]));
        },
      ),
      { numRuns: 1500 },
    );
  });

  hostile("survives huge length prefixes without allocating them", () => {
    const huge = [0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, (1n << 63n) - 1n, (1n << 64n) - 1n];
    fc.assert(
      fc.property(
        anyCodecName,
        fc.integer({ min: 1, max: 16 }),
        fc.constantFrom(...huge),
        fc.uint8Array({ maxLength: 16 }),
        (name, field, length, tail) => {
          check(codecByName(name), Uint8Array.from([...varint(BigInt(field * 8 + 2)), ...varint(length), ...tail]));
        },
      ),
      { numRuns: 500 },
    );
  });

  hostile("rejects an unknown field whose 32-bit length exceeds the input", () => {
    // Known message fields are not asserted here: ts-proto's nested decoder
    // stops early at a zero or end-group tag, so it can accept such input.
    // Varints longer than 32 bits are not either: @bufbuild/protobuf keeps
    // only their low 32 bits (2^32 reads as length 0).
    const impossible = [0x7fffffffn, 0x80000000n, 0xffffffffn, 1000n];
    fc.assert(
      fc.property(anyCodecName, fc.constantFrom(...impossible), fc.uint8Array({ maxLength: 16 }), (name, length, tail) => {
        const input = Uint8Array.from([...varint(BigInt(1000 * 8 + 2)), ...varint(length), ...tail]);
        inputs++;
        expect(decodeOutcome(codecByName(name), input)).toBe("threw");
      }),
      { numRuns: 200 },
    );
  });

  hostile("survives deeply nested unknown groups", () => {
    const depth = 100_000;
    const open = varint(BigInt(30 * 8 + 3));
    const close = varint(BigInt(30 * 8 + 4));
    const bytes = new Uint8Array(depth * (open.length + close.length));
    for (let i = 0; i < depth; i++) bytes.set(open, i * open.length);
    for (let i = 0; i < depth; i++) bytes.set(close, depth * open.length + i * close.length);
    for (const codec of codecs) check(codec, bytes);
  });

  afterAll(() => {
    // The brief's floor: at least 10,000 hostile inputs per normal run.
    expect(inputs).toBeGreaterThanOrEqual(10_000);
  });
});
