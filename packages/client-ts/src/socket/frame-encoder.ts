// SPDX-License-Identifier: Apache-2.0
import { FRAME_HEADER_BYTES } from "./frame-limits.js";

/** A frame whose payload is above the limit the receiver would accept. */
export class FrameTooLargeError extends Error {
  override readonly name = "FrameTooLargeError";
  constructor(
    readonly length: number,
    readonly maxPayload: number,
  ) {
    super(`frame payload of ${length} bytes exceeds the maximum of ${maxPayload}`);
  }
}

/** Prefixes payload with its 4-byte big-endian length. */
export function encodeFrame(payload: Uint8Array, maxPayload: number): Buffer {
  if (payload.length > maxPayload) {
    throw new FrameTooLargeError(payload.length, maxPayload);
  }
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}
