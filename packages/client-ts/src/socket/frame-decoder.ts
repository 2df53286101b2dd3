// SPDX-License-Identifier: Apache-2.0
import { FRAME_HEADER_BYTES } from "./frame-limits.js";

/** Shared by every result without unclaimed fds: nobody adds to it. */
const NO_FDS: readonly number[] = [];

/** The 4-byte big-endian length at bytes[at]. */
function readLength(bytes: Uint8Array, at: number): number {
  return (
    (bytes[at] ?? 0) * 0x1000000 +
    ((bytes[at + 1] ?? 0) << 16) +
    ((bytes[at + 2] ?? 0) << 8) +
    (bytes[at + 3] ?? 0)
  );
}

/** One complete frame and the file descriptors that belong to it. */
export interface Frame {
  readonly payload: Buffer;
  /** Owned by whoever receives the frame. */
  readonly fds: number[];
}

/** Why a byte stream can no longer be read as frames. */
export class FramingError extends Error {
  override readonly name = "FramingError";
  constructor(
    /** timeout and too-many-fds: the limits of FramedEndpointOptions. */
    readonly kind: "oversize" | "stray-fds" | "timeout" | "too-many-fds",
    message: string,
  ) {
    super(message);
  }
}

export interface DecodeResult {
  /** Frames completed by this chunk, in order. */
  readonly frames: Frame[];
  /** Set once the stream is broken; later pushes return it again. */
  readonly error?: FramingError;
  /** Descriptors that belong to no frame (after an error); the caller closes them. */
  readonly unclaimedFds: readonly number[];
  /**
   * Bytes of the chunk used. Less than its length only when maxFrames stopped the
   * decoder: the caller pushes the rest later, with the chunk's fds, which then
   * belong to the rest (it starts at a frame boundary).
   */
  readonly consumed: number;
}

/**
 * Splits a byte stream into length-prefixed frames, applying the protocol's
 * attachment rule: the fds that came with one read belong to the last frame
 * that starts in that read's bytes.
 */
export class FrameDecoder {
  readonly #maxPayload: number;
  readonly #header = Buffer.alloc(FRAME_HEADER_BYTES);
  #headerFilled = 0;
  #payload: Buffer | undefined;
  #payloadFilled = 0;
  #pendingFds: number[] = [];
  #error: FramingError | undefined;

  constructor(maxPayload: number) {
    this.#maxPayload = maxPayload;
  }

  /** True while part of a frame has arrived and the rest has not. */
  get midFrame(): boolean {
    return this.#headerFilled > 0 || this.#payload !== undefined;
  }

  /** Decodes chunk, stopping once maxFrames frames are complete (see consumed). */
  push(chunk: Uint8Array, fds: readonly number[] = [], maxFrames = Number.POSITIVE_INFINITY): DecodeResult {
    if (this.#error !== undefined) {
      return { frames: [], error: this.#error, unclaimedFds: [...fds], consumed: chunk.length };
    }
    const frames: Frame[] = [];
    // Index (into frames, or frames.length for the one in progress) of the
    // last frame whose first byte is in this chunk; -1 if none starts here.
    let lastStarted = -1;
    let pos = 0;
    while (pos < chunk.length) {
      if (frames.length >= maxFrames) return { frames, unclaimedFds: [], consumed: pos };
      if (!this.midFrame) {
        lastStarted = frames.length;
        this.#pendingFds = [];
      }
      if (this.#payload === undefined) {
        let length: number;
        if (this.#headerFilled === 0 && chunk.length - pos >= FRAME_HEADER_BYTES) {
          // The usual case, a whole header in this chunk: read it in place.
          length = readLength(chunk, pos);
          pos += FRAME_HEADER_BYTES;
        } else {
          const take = Math.min(FRAME_HEADER_BYTES - this.#headerFilled, chunk.length - pos);
          this.#header.set(chunk.subarray(pos, pos + take), this.#headerFilled);
          this.#headerFilled += take;
          pos += take;
          if (this.#headerFilled < FRAME_HEADER_BYTES) break;
          length = this.#header.readUInt32BE(0);
        }
        if (length > this.#maxPayload) {
          this.#error = new FramingError(
            "oversize",
            `frame header announces ${length} bytes; the maximum payload is ${this.#maxPayload}`,
          );
          break;
        }
        this.#payload = Buffer.allocUnsafe(length);
        this.#payloadFilled = 0;
      }
      const payload = this.#payload;
      const take = Math.min(payload.length - this.#payloadFilled, chunk.length - pos);
      payload.set(chunk.subarray(pos, pos + take), this.#payloadFilled);
      this.#payloadFilled += take;
      pos += take;
      if (this.#payloadFilled === payload.length) {
        frames.push({ payload, fds: this.#pendingFds });
        this.#pendingFds = [];
        this.#payload = undefined;
        this.#headerFilled = 0;
      }
    }
    return this.#attach(frames, lastStarted, fds, chunk.length);
  }

  /** Gives back the fds of a frame that will never complete (the caller closes them). */
  dispose(): number[] {
    const fds = this.#pendingFds;
    this.#pendingFds = [];
    return fds;
  }

  #attach(frames: Frame[], lastStarted: number, fds: readonly number[], consumed: number): DecodeResult {
    if (this.#error !== undefined) {
      const unclaimed = [...fds, ...this.dispose()];
      return { frames, error: this.#error, unclaimedFds: unclaimed, consumed };
    }
    if (fds.length === 0) return { frames, unclaimedFds: NO_FDS, consumed };
    if (lastStarted === -1) {
      this.#error = new FramingError(
        "stray-fds",
        `${fds.length} file descriptor(s) arrived in the middle of a frame`,
      );
      return { frames, error: this.#error, unclaimedFds: [...fds, ...this.dispose()], consumed };
    }
    const owner = frames[lastStarted];
    if (owner !== undefined) {
      owner.fds.push(...fds);
    } else {
      this.#pendingFds.push(...fds);
    }
    return { frames, unclaimedFds: NO_FDS, consumed };
  }
}
