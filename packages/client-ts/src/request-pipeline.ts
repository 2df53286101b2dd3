// SPDX-License-Identifier: Apache-2.0
import { BrokerError, ErrorCode } from "./errors.js";
import { Reply, Request } from "./gen/vmnet_broker/v1/broker.js";
import { MAX_REPLY_PAYLOAD, MAX_REQUEST_PAYLOAD } from "./socket/frame-limits.js";
import { type CloseInfo, closeAll, FramedEndpoint } from "./socket/framed-endpoint.js";

/** A reply with the descriptors that came with it (now owned by the caller). */
export interface ReceivedReply {
  readonly reply: Reply;
  readonly fds: number[];
}

interface PendingCall {
  resolve(received: ReceivedReply): void;
  reject(error: unknown): void;
  /** Aborted by the caller: its reply, when it comes, is dropped and its fds closed. */
  abandoned: boolean;
}

const MAX_ID = 0xffff_ffff;

/**
 * Requests over one connection: each gets a fresh id, any number may be in
 * flight, and replies are matched back by id. Once the connection fails, every
 * pending and later call rejects (TRANSPORT_FAILURE or INVALID_REPLY); no call
 * is left hanging.
 */
export class RequestPipeline {
  readonly #endpoint: FramedEndpoint;
  readonly #pending = new Map<number, PendingCall>();
  #nextId = 1;
  #failure: BrokerError | undefined;
  readonly #closed: Promise<void>;
  #markClosed!: () => void;

  /** Takes ownership of a connected socket fd. */
  constructor(fd: number) {
    this.#closed = new Promise((resolve) => {
      this.#markClosed = resolve;
    });
    this.#endpoint = new FramedEndpoint(
      fd,
      { maxReceivePayload: MAX_REPLY_PAYLOAD, maxSendPayload: MAX_REQUEST_PAYLOAD },
      {
        onFrame: (payload, fds) => this.#onFrame(payload, fds),
        onFramingError: (error) =>
          this.#fail(new BrokerError(ErrorCode.ERROR_CODE_INVALID_REPLY, error.message, { cause: error })),
        onClose: (info) => this.#onClose(info),
      },
    );
  }

  /** Resolves once the socket is closed, for whatever reason. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /** The error every call now fails with, once the connection is unusable. */
  get failure(): BrokerError | undefined {
    return this.#failure;
  }

  /**
   * Sends one request; fds travel with it (duplicated, so the caller keeps its
   * own). An abort rejects the call with signal.reason at once; the connection
   * stays usable and the late reply is dropped.
   */
  call(
    command: Request["command"],
    fds: readonly number[] = [],
    signal?: AbortSignal,
  ): Promise<ReceivedReply> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (signal?.aborted) return Promise.reject(signal.reason);
    const id = this.#allocateId();
    const payload = Request.encode(Request.fromPartial({ id, command })).finish();
    return new Promise<ReceivedReply>((resolve, reject) => {
      try {
        this.#endpoint.send(payload, fds);
      } catch (error) {
        const code =
          error instanceof Error && error.name === "FrameTooLargeError"
            ? ErrorCode.ERROR_CODE_INVALID_REQUEST
            : ErrorCode.ERROR_CODE_TRANSPORT_FAILURE;
        reject(new BrokerError(code, `cannot send request: ${String(error)}`, { cause: error }));
        return;
      }
      if (signal === undefined) {
        this.#pending.set(id, { resolve, reject, abandoned: false });
        return;
      }
      const onAbort = () => {
        call.abandoned = true;
        reject(signal.reason);
      };
      const call: PendingCall = {
        resolve: (received) => {
          signal.removeEventListener("abort", onAbort);
          resolve(received);
        },
        reject: (error) => {
          signal.removeEventListener("abort", onAbort);
          reject(error);
        },
        abandoned: false,
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#pending.set(id, call);
    });
  }

  /** Closes the connection (releasing its lease); pending calls reject with TRANSPORT_FAILURE. */
  close(): Promise<void> {
    this.#fail(
      new BrokerError(ErrorCode.ERROR_CODE_TRANSPORT_FAILURE, "the connection was closed by the client"),
    );
    return this.#closed;
  }

  #allocateId(): number {
    // Wraps after 2^32-1 requests; 0 is reserved for "request not decodable".
    do {
      this.#nextId = this.#nextId >= MAX_ID ? 1 : this.#nextId + 1;
    } while (this.#pending.has(this.#nextId));
    return this.#nextId;
  }

  #onFrame(payload: Buffer, fds: number[]): void {
    let reply: Reply;
    try {
      reply = Reply.decode(payload);
    } catch (error) {
      closeAll(fds);
      this.#fail(
        new BrokerError(ErrorCode.ERROR_CODE_INVALID_REPLY, `undecodable reply: ${String(error)}`, {
          cause: error,
        }),
      );
      return;
    }
    // Replies come in request order; id 0 answers a request the broker could not decode.
    const id = reply.id === 0 ? this.#pending.keys().next().value : reply.id;
    const call = id === undefined ? undefined : this.#pending.get(id);
    if (id === undefined || call === undefined) {
      closeAll(fds);
      this.#fail(
        new BrokerError(
          ErrorCode.ERROR_CODE_INVALID_REPLY,
          `reply id ${reply.id} matches no pending request`,
        ),
      );
      return;
    }
    this.#pending.delete(id);
    if (call.abandoned) {
      closeAll(fds);
      return;
    }
    call.resolve({ reply, fds });
  }

  #onClose(info: CloseInfo): void {
    const reason =
      info.error !== undefined
        ? `the connection to the broker broke: ${info.error.message}`
        : "the broker closed the connection";
    this.#fail(new BrokerError(ErrorCode.ERROR_CODE_TRANSPORT_FAILURE, reason, { cause: info.error }));
    this.#markClosed();
  }

  #fail(error: BrokerError): void {
    if (this.#failure === undefined) {
      // Later calls see a transport failure: the connection (and its lease) is gone.
      this.#failure =
        error.code === ErrorCode.ERROR_CODE_TRANSPORT_FAILURE
          ? error
          : new BrokerError(
              ErrorCode.ERROR_CODE_TRANSPORT_FAILURE,
              "the connection was closed after an error",
              {
                cause: error,
              },
            );
      this.#endpoint.close();
    }
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const call of pending) call.reject(error);
  }
}
