// SPDX-License-Identifier: Apache-2.0
import { native } from "../native/load-native-addon.js";
import type { NativeEndpoint, SyscallError } from "../native/native-addon.js";
import { FrameDecoder, FramingError } from "./frame-decoder.js";
import { FrameTooLargeError } from "./frame-encoder.js";

/** How a framed connection ended. */
export interface CloseInfo {
  /** The socket error that ended it (ECONNRESET, EPIPE, ...), if any. */
  readonly error?: SyscallError;
  /** The stream broke the framing rules (oversize header, stray fds). */
  readonly framingError?: FramingError;
  /** The peer went away with part of a frame sent. */
  readonly midFrame: boolean;
  /** close() or end() was called on this side. */
  readonly local: boolean;
}

export interface FramedEndpointHandlers {
  /** One complete frame; the handler owns fds and must close them. */
  onFrame(payload: Buffer, fds: number[]): void;
  /**
   * The framing broke; no more frames will be delivered. The handler decides
   * when to end the connection (the transport first answers the frames before
   * it, then sends INVALID_REQUEST, then calls end()). Without this handler the
   * endpoint ends at once.
   */
  onFramingError?(error: FramingError): void;
  /** Called exactly once, after which nothing else is called. */
  onClose(info: CloseInfo): void;
  /** Everything queued has been written after the socket had been full. */
  onDrain?(): void;
}

export interface FramedEndpointOptions {
  /** The largest payload accepted from the peer. */
  readonly maxReceivePayload: number;
  /** The largest payload this side may send. */
  readonly maxSendPayload: number;
  /**
   * Hang up on a peer that starts a frame and does not finish it within this
   * many milliseconds (time spent with reading paused does not count). The
   * connection closes with a FramingError of kind "timeout".
   */
  readonly frameTimeoutMs?: number;
  /**
   * The most descriptors one read may carry (they all belong to one frame);
   * more end the connection with a FramingError of kind "too-many-fds", and
   * are closed at once. Default: no limit beyond the kernel's 253.
   */
  readonly maxReceiveFds?: number;
}

/**
 * Where every endpoint of this thread reads: the decoder copies each frame out
 * before the next read, so one buffer serves all, and a read costs no allocation.
 */
const READ_BUFFER = Buffer.allocUnsafeSlow(256 * 1024);

/**
 * A connected socket that speaks length-prefixed frames with file descriptors
 * (protocol/README.md). Takes ownership of fd.
 */
export class FramedEndpoint {
  readonly #endpoint: NativeEndpoint;
  readonly #decoder: FrameDecoder;
  readonly #handlers: FramedEndpointHandlers;
  readonly #maxSendPayload: number;
  readonly #frameTimeoutMs: number | undefined;
  readonly #maxReceiveFds: number;
  #framingError: FramingError | undefined;
  #paused = false;
  /** Bytes read but not yet decoded because reading was paused mid-chunk (a copy). */
  #rest: { chunk: Uint8Array; fds: number[] } | undefined;
  #framesDecoded = 0;
  #frameTimer: { timer: NodeJS.Timeout; framesDecoded: number } | undefined;
  #closedLocally = false;
  #closed = false;

  constructor(fd: number, options: FramedEndpointOptions, handlers: FramedEndpointHandlers) {
    this.#decoder = new FrameDecoder(options.maxReceivePayload);
    this.#handlers = handlers;
    this.#maxSendPayload = options.maxSendPayload;
    this.#frameTimeoutMs = options.frameTimeoutMs;
    this.#maxReceiveFds = options.maxReceiveFds ?? Number.POSITIVE_INFINITY;
    this.#endpoint = new native.Endpoint(
      fd,
      (chunk, fds) => this.#onData(chunk, fds),
      (error) => this.#onClose(error),
      () => this.#handlers.onDrain?.(),
      READ_BUFFER,
    );
  }

  /** True once the connection is closed or closing. */
  get closed(): boolean {
    return this.#closed || this.#closedLocally;
  }

  /** Bytes waiting for the socket to accept them. */
  get queuedBytes(): number {
    return this.#endpoint.queuedBytes;
  }

  /**
   * Sends one frame, in order after every earlier one, with fds on its first
   * byte. The fds are duplicated at once, so the caller may close its own.
   * Throws if the endpoint is closed or the payload too large.
   */
  send(payload: Uint8Array, fds: readonly number[] = []): void {
    if (payload.length > this.#maxSendPayload)
      throw new FrameTooLargeError(payload.length, this.#maxSendPayload);
    // The addon writes the length header itself: no framed copy of the payload.
    this.#endpoint.sendFrame(payload, fds);
  }

  /**
   * Stops delivering frames until resumeReading() (backpressure). Takes effect
   * at once, even between two frames of one read: the rest stays raw bytes.
   */
  pauseReading(): void {
    this.#paused = true;
    this.#endpoint.pauseReading();
    this.#stopFrameTimer();
  }

  resumeReading(): void {
    if (!this.#paused || this.closed) return;
    this.#paused = false;
    const rest = this.#rest;
    this.#rest = undefined;
    if (rest !== undefined) this.#decode(rest.chunk, rest.fds);
    if (this.#paused || this.closed) return;
    this.#endpoint.resumeReading();
    this.#watchFrameTime();
  }

  /** Closes after everything queued has been written. */
  end(): void {
    this.#closedLocally = true;
    this.#endpoint.end();
  }

  /** Closes at once, dropping anything queued. */
  close(): void {
    this.#closedLocally = true;
    this.#endpoint.close();
  }

  #onData(chunk: Uint8Array, fds: number[]): void {
    if (this.#framingError !== undefined) {
      closeAll(fds);
      return;
    }
    if (fds.length > this.#maxReceiveFds) {
      closeAll(fds);
      this.#fail(
        new FramingError(
          "too-many-fds",
          `${fds.length} file descriptors arrived with one request; the maximum is ${this.#maxReceiveFds}`,
        ),
      );
      return;
    }
    this.#decode(chunk, fds);
  }

  /** Delivers the chunk's frames one by one, keeping the rest if paused meanwhile. */
  #decode(chunk: Uint8Array, chunkFds: number[]): void {
    let rest = chunk;
    let fds = chunkFds;
    for (;;) {
      const result = this.#decoder.push(rest, fds, 1);
      closeAll(result.unclaimedFds);
      const stopped = result.error === undefined && result.consumed < rest.length;
      if (stopped) rest = rest.subarray(result.consumed);
      else fds = [];
      for (const frame of result.frames) {
        this.#framesDecoded++;
        if (this.#closedLocally) {
          closeAll(frame.fds);
          continue;
        }
        this.#handlers.onFrame(frame.payload, frame.fds);
      }
      if (result.error !== undefined) {
        this.#fail(result.error);
        return;
      }
      if (!stopped) break;
      if (this.closed) {
        closeAll(fds);
        return;
      }
      if (this.#paused) {
        // Copied: the chunk is a view of the shared read buffer.
        this.#rest = { chunk: Uint8Array.prototype.slice.call(rest), fds };
        return;
      }
    }
    this.#watchFrameTime();
  }

  #fail(error: FramingError): void {
    if (this.#framingError !== undefined) return;
    this.#framingError = error;
    this.#stopFrameTimer();
    if (this.#handlers.onFramingError === undefined || this.#closedLocally) {
      this.end();
    } else {
      this.#handlers.onFramingError(error);
    }
  }

  /** Starts the frame clock when a frame is begun, stops it when none is. */
  #watchFrameTime(): void {
    if (this.#frameTimeoutMs === undefined || this.#paused || this.closed) return;
    if (!this.#decoder.midFrame) {
      this.#stopFrameTimer();
      return;
    }
    // Still the same unfinished frame: its clock keeps running.
    if (this.#frameTimer?.framesDecoded === this.#framesDecoded) return;
    this.#stopFrameTimer();
    const ms = this.#frameTimeoutMs;
    const timer = setTimeout(() => {
      this.#frameTimer = undefined;
      this.#framingError ??= new FramingError(
        "timeout",
        `a frame was started and not finished within ${ms} ms`,
      );
      this.close();
    }, ms);
    timer.unref();
    this.#frameTimer = { timer, framesDecoded: this.#framesDecoded };
  }

  #stopFrameTimer(): void {
    if (this.#frameTimer === undefined) return;
    clearTimeout(this.#frameTimer.timer);
    this.#frameTimer = undefined;
  }

  #onClose(error: SyscallError | undefined): void {
    this.#closed = true;
    this.#stopFrameTimer();
    closeAll(this.#rest?.fds ?? []);
    this.#rest = undefined;
    const midFrame = this.#decoder.midFrame;
    closeAll(this.#decoder.dispose());
    const info: CloseInfo = {
      midFrame,
      local: this.#closedLocally && this.#framingError === undefined,
      ...(error !== undefined ? { error } : {}),
      ...(this.#framingError !== undefined ? { framingError: this.#framingError } : {}),
    };
    this.#handlers.onClose(info);
  }
}

/** Closes descriptors this side owns and will not use. */
export function closeAll(fds: readonly number[]): void {
  for (const fd of fds) {
    try {
      native.closeFd(fd);
    } catch {
      // Already closed: nothing left to release.
    }
  }
}
