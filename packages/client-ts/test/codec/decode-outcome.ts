/**
 * What decoding an arbitrary input did: threw an Error, or produced a message
 * that re-encodes and whose re-encoding is stable (decoding and encoding it
 * again gives the same bytes). Anything else is a codec bug.
 */
import type { Codec } from "./vectors.js";

export type Outcome = "threw" | "decoded";

export function decodeOutcome(codec: Codec, input: Uint8Array): Outcome {
  let message: unknown;
  try {
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
