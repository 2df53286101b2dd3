// SPDX-License-Identifier: Apache-2.0
import { ErrorCode, Reply, Request } from "@vmnet-broker/client/protocol";
import {
  type CloseInfo,
  closeAll,
  FramedEndpoint,
  type FramingError,
  MAX_REPLY_PAYLOAD,
  MAX_REQUEST_PAYLOAD,
} from "@vmnet-broker/client/socket";
import type { Outgoing, PeerAcceptor, PeerConnection, PeerCredentials } from "../../core/peer.js";
import { encodeReply } from "../../core/reply-size.js";
import type { DisconnectReason, ReachedLimit, UnixTransportEvent } from "./transport-events.js";
import { MAX_REQUEST_FDS, TRANSPORT_LIMIT_NAMES, type TransportLimits } from "./transport-limits.js";
import type { UnsentBudget } from "./unsent-budget.js";

/** Requests read ahead of the core; beyond this (or MAX_REQUEST_FDS fds) the connection stops reading. */
const MAX_QUEUED_REQUESTS = 32;
/** Replies not yet taken by a slow reader; beyond this the core is not asked for more. */
const MAX_UNSENT_REPLY_BYTES = 2 * MAX_REPLY_PAYLOAD;

type Incoming =
  | { readonly kind: "frame"; readonly payload: Buffer; readonly fds: number[] }
  | { readonly kind: "broken"; readonly error: FramingError };

/** What every connection of one transport shares. */
export interface ConnectionSettings {
  readonly limits: TransportLimits;
  readonly budget: UnsentBudget<UnixConnection>;
}

/**
 * One accepted connection: decodes requests, hands them to the core one at a
 * time, and sends each reply (with its fds) in order.
 */
export class UnixConnection {
  readonly #peer: PeerConnection;
  readonly #credentials: PeerCredentials;
  readonly #settings: ConnectionSettings;
  #queuedFds = 0;
  /** A reply carrying fds may still be queued: answer nothing more until it is sent. */
  #fdsUnsent = false;
  #limitReached: ReachedLimit | undefined;
  readonly #endpoint: FramedEndpoint;
  readonly #emit: (event: UnixTransportEvent) => void;
  readonly #queue: Incoming[] = [];
  #working = false;
  #gone = false;
  #shuttingDown = false;
  #readingPaused = false;
  #drainWaiters: (() => void)[] = [];
  /** Events pushed before the Subscription reply went out; undefined once streaming. */
  #heldEvents: Reply[] | undefined = [];
  readonly #ended: Promise<void>;
  #markEnded!: () => void;

  constructor(
    fd: number,
    credentials: PeerCredentials,
    acceptor: PeerAcceptor,
    emit: (event: UnixTransportEvent) => void,
    settings: ConnectionSettings,
  ) {
    this.#emit = emit;
    this.#credentials = credentials;
    this.#settings = settings;
    this.#ended = new Promise((resolve) => {
      this.#markEnded = resolve;
    });
    this.#peer = acceptor.connect(credentials, "unix", (reply) => this.#push(reply));
    try {
      this.#endpoint = this.#watch(fd);
    } catch (error) {
      this.#peer.close();
      throw error;
    }
    emit({ type: "connected", peerId: this.#peer.id, credentials });
  }

  #watch(fd: number): FramedEndpoint {
    return new FramedEndpoint(
      fd,
      {
        maxReceivePayload: MAX_REQUEST_PAYLOAD,
        maxSendPayload: MAX_REPLY_PAYLOAD,
        maxReceiveFds: MAX_REQUEST_FDS,
        frameTimeoutMs: this.#settings.limits.frameTimeoutMs,
      },
      {
        onFrame: (payload, fds) => this.#enqueue({ kind: "frame", payload, fds }),
        onFramingError: (error) => this.#enqueue({ kind: "broken", error }),
        onClose: (info) => this.#onClose(info),
        onDrain: () => {
          this.#settings.budget.update(this, 0);
          this.#wakeDrainWaiters();
        },
      },
    );
  }

  /** Reply bytes waiting for the peer to read them. */
  get queuedBytes(): number {
    return this.#endpoint.queuedBytes;
  }

  /** Resolves once the socket is closed and the core has been told. */
  get ended(): Promise<void> {
    return this.#ended;
  }

  /** Hangs up now (transport shutdown). */
  close(): Promise<void> {
    this.#shuttingDown = true;
    this.#endpoint.close();
    return this.#ended;
  }

  /** Hangs up now because a limit was reached; nothing more is sent. */
  evict(limit: ReachedLimit): void {
    this.#limitReached ??= limit;
    this.#endpoint.close();
  }

  #enqueue(item: Incoming): void {
    if (this.#gone) {
      if (item.kind === "frame") closeAll(item.fds);
      return;
    }
    this.#queue.push(item);
    if (item.kind === "frame") this.#queuedFds += item.fds.length;
    if ((this.#queue.length >= MAX_QUEUED_REQUESTS || this.#queuedFds >= MAX_REQUEST_FDS) && !this.#readingPaused) {
      // A peer that sends faster than the core answers waits in its socket buffer.
      this.#readingPaused = true;
      this.#endpoint.pauseReading();
    }
    if (!this.#working) void this.#work();
  }

  async #work(): Promise<void> {
    this.#working = true;
    try {
      for (let item = this.#queue.shift(); item !== undefined && !this.#gone; item = this.#queue.shift()) {
        if (item.kind === "frame") this.#queuedFds -= item.fds.length;
        if (this.#readingPaused && this.#queue.length < MAX_QUEUED_REQUESTS / 2 && this.#queuedFds < MAX_REQUEST_FDS) {
          this.#readingPaused = false;
          this.#endpoint.resumeReading();
        }
        // A peer that does not read its replies gets no more work done for it,
        // and holds at most one reply's fds in the broker.
        while (this.#unsentOverBudget() && !this.#gone) await this.#drained();
        if (this.#gone) {
          if (item.kind === "frame") closeAll(item.fds);
          return;
        }
        if (item.kind === "broken") {
          this.#reject(item.error.message);
          this.#endpoint.end();
          return;
        }
        await this.#answer(item.payload, item.fds);
      }
    } finally {
      this.#working = false;
    }
  }

  async #answer(payload: Buffer, fds: number[]): Promise<void> {
    let request: Request;
    try {
      request = Request.decode(payload);
    } catch (error) {
      closeAll(fds);
      this.#reject(`undecodable request: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    let outgoing: Outgoing;
    try {
      outgoing = await this.#peer.handle(request, fds);
    } catch (error) {
      this.#emit({ type: "handler-error", peerId: this.#peer.id, error });
      outgoing = {
        reply: errorReply(request.id, ErrorCode.ERROR_CODE_INTERNAL_ERROR, "internal error while handling the request"),
        fds: [],
      };
    }
    try {
      let encoded = outgoing.encoded ?? encodeReply(outgoing.reply);
      if (encoded.length > MAX_REPLY_PAYLOAD) {
        this.#emit({
          type: "handler-error",
          peerId: this.#peer.id,
          error: new Error(`reply of ${encoded.length} bytes exceeds the maximum of ${MAX_REPLY_PAYLOAD}`),
        });
        const tooLarge = errorReply(request.id, ErrorCode.ERROR_CODE_INTERNAL_ERROR, "the reply is too large to send");
        encoded = encodeReply(tooLarge);
        this.#send(encoded, []);
      } else {
        this.#send(encoded, outgoing.fds);
        if (outgoing.reply.result?.$case === "subscription") this.#startStreaming();
      }
    } finally {
      // The endpoint sent dups of these (or nothing): ours are closed either way.
      closeAll(outgoing.fds);
    }
  }

  /** An event of this connection's subscription: sent after the Subscription reply, in order. */
  #push(reply: Reply): void {
    if (this.#heldEvents === undefined) this.#sendEvent(reply);
    else this.#heldEvents.push(reply);
  }

  #startStreaming(): void {
    const held = this.#heldEvents ?? [];
    this.#heldEvents = undefined;
    for (const reply of held) this.#sendEvent(reply);
  }

  /** A subscriber that leaves too many events unread is dropped, like any slow reader. */
  #sendEvent(reply: Reply): void {
    if (this.#gone || this.#endpoint.closed) return;
    const max = this.#settings.limits.maxUnsentEventBytes;
    if (this.#endpoint.queuedBytes > max) {
      this.evict({ name: TRANSPORT_LIMIT_NAMES.maxUnsentEventBytes, value: max });
      return;
    }
    this.#send(encodeReply(reply), []);
  }

  #unsentOverBudget(): boolean {
    const queued = this.#endpoint.queuedBytes;
    if (queued === 0) this.#fdsUnsent = false;
    return queued > (this.#fdsUnsent ? 0 : MAX_UNSENT_REPLY_BYTES);
  }

  /** Sends unless the connection is gone (then the reply has nobody to go to). */
  #send(payload: Uint8Array, fds: readonly number[]): void {
    if (this.#gone || this.#endpoint.closed) return;
    try {
      this.#endpoint.send(payload, fds);
    } catch {
      // The socket closed under us; onClose reports it and releases the peer.
      return;
    }
    if (fds.length > 0) this.#fdsUnsent = true;
    const budget = this.#settings.budget;
    for (const evicted of budget.update(this, this.#endpoint.queuedBytes)) {
      evicted.evict({ name: TRANSPORT_LIMIT_NAMES.maxUnsentReplyBytes, value: budget.max });
    }
  }

  /** Answers a frame that could not be read as a request: Reply{id: 0, INVALID_REQUEST}. */
  #reject(message: string): void {
    this.#emit({ type: "bad-frame", peerId: this.#peer.id, message });
    this.#send(encodeReply(errorReply(0, ErrorCode.ERROR_CODE_INVALID_REQUEST, message)), []);
  }

  #drained(): Promise<void> {
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  #wakeDrainWaiters(): void {
    for (const wake of this.#drainWaiters.splice(0)) wake();
  }

  #onClose(info: CloseInfo): void {
    this.#gone = true;
    this.#settings.budget.remove(this);
    this.#wakeDrainWaiters();
    for (const item of this.#queue.splice(0)) {
      if (item.kind === "frame") closeAll(item.fds);
    }
    this.#peer.close();
    if (info.framingError?.kind === "timeout") {
      this.#limitReached ??= { name: TRANSPORT_LIMIT_NAMES.frameTimeoutMs, value: this.#settings.limits.frameTimeoutMs };
    }
    const limit = this.#limitReached;
    const reason: DisconnectReason = this.#shuttingDown
      ? "shutdown"
      : limit !== undefined
        ? "limit"
        : info.framingError !== undefined
          ? "framing"
          : info.error !== undefined
            ? "error"
            : "eof";
    this.#emit({
      type: "disconnected",
      peerId: this.#peer.id,
      uid: this.#credentials.uid,
      reason,
      midFrame: info.midFrame,
      ...(limit !== undefined && !this.#shuttingDown ? { limit } : {}),
      ...(info.error !== undefined ? { error: info.error } : {}),
    });
    this.#markEnded();
  }
}

function errorReply(id: number, code: ErrorCode, message: string): Reply {
  return Reply.fromPartial({ id, result: { $case: "error", value: { code, message } } });
}
