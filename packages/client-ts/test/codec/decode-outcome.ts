// SPDX-License-Identifier: Apache-2.0
/**
 * What decoding an arbitrary input did: threw an Error, or produced a message
 * that re-encodes and whose re-encoding is stable (decoding and encoding it
 * again gives the same bytes). Anything else is a codec bug.
 */
import type { Codec } from "./vectors.js";
import { Hang, withWatchdog } from "./watchdog.js";

/** The input being decoded, so that a hang can be reported with it. */
let current: Uint8Array | undefined;

/**
 * Runs a batch of decodes under one watchdog (one per call would cost more
 * than the decodes): a hang fails with the input that caused it.
 */
export function guarded(limitMs: number, batch: () => void): void {
  try {
    withWatchdog(limitMs, batch);
  } catch (err) {
    if (err instanceof Hang) {
      const hex = Buffer.from(current ?? []).toString("hex");
      throw new Error(`decode hung (${err.message}) on input ${hex.slice(0, 400)}`);
    }
    throw err;
  }
}

export type Outcome = "threw" | "decoded";

export function decodeOutcome(codec: Codec, input: Uint8Array): Outcome {
  let message: unknown;
  try {
    current = input;
    message = codec.decode(input);
  } catch (err) {
    if (!(err instanceof Error)) throw new TypeError(`decode threw a non-Error: ${String(err)}`);
    return "threw";
  }
  if (message === null || typeof message !== "object") throw new TypeError("decode returned a non-object");
  const once = codec.encode(message).finish();
  const twice = codec.encode(codec.decode(once)).finish();
  if (Buffer.compare(Buffer.from(once), Buffer.from(twice)) !== 0) {
    throw new Error(
      `re-encoding is unstable for input ${Buffer.from(input).toString("hex")}: ` +
        `${Buffer.from(once).toString("hex")} then ${Buffer.from(twice).toString("hex")}`,
    );
  }
  return "decoded";
}
