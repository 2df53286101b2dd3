import { native } from "../native/load-native-addon.js";
import type { NativeEndpoint, SyscallError } from "../native/native-addon.js";
import { FrameDecoder, type FramingError } from "./frame-decoder.js";
import { encodeFrame } from "./frame-encoder.js";

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
}

/**
 * A connected socket that speaks length-prefixed frames with file descriptors
 * (protocol/README.md). Takes ownership of fd.
 */
export class FramedEndpoint {
  readonly #endpoint: NativeEndpoint;
  readonly #decoder: FrameDecoder;
  readonly #handlers: FramedEndpointHandlers;
  readonly #maxSendPayload: number;
  #framingError: FramingError | undefined;
  #closedLocally = false;
  #closed = false;

  constructor(fd: number, options: FramedEndpointOptions, handlers: FramedEndpointHandlers) {
    this.#decoder = new FrameDecoder(options.maxReceivePayload);
    this.#handlers = handlers;
    this.#maxSendPayload = options.maxSendPayload;
    this.#endpoint = new native.Endpoint(
      fd,
      (chunk, fds) => this.#onData(chunk, fds),
      (error) => this.#onClose(error),
      () => this.#handlers.onDrain?.(),
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
    this.#endpoint.send(encodeFrame(payload, this.#maxSendPayload), fds);
  }

  /** Stops reading from the peer until resumeReading() (backpressure). */
  pauseReading(): void {
    this.#endpoint.pauseReading();
  }

  resumeReading(): void {
    this.#endpoint.resumeReading();
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

  #onData(chunk: Buffer, fds: number[]): void {
    if (this.#framingError !== undefined) {
      closeAll(fds);
      return;
    }
    const result = this.#decoder.push(chunk, fds);
    closeAll(result.unclaimedFds);
    for (const frame of result.frames) {
      if (this.#closedLocally) {
        closeAll(frame.fds);
        continue;
      }
      this.#handlers.onFrame(frame.payload, frame.fds);
    }
    if (result.error !== undefined && this.#framingError === undefined) {
      this.#framingError = result.error;
      if (this.#handlers.onFramingError === undefined || this.#closedLocally) {
        this.end();
      } else {
        this.#handlers.onFramingError(result.error);
      }
    }
  }

  #onClose(error: SyscallError | undefined): void {
    this.#closed = true;
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
