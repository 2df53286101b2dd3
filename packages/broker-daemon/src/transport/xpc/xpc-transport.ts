// SPDX-License-Identifier: Apache-2.0
/**
 * The XPC transport (macOS): peers of the Mach service feed the same PeerAcceptor
 * as the Unix transport. Messages of one peer are handled one at a time, in order;
 * the peer's disconnect (XPC_ERROR_CONNECTION_INVALID) closes its PeerConnection,
 * which releases its networks. A peer that subscribes gets each event as a
 * message {reply: data} on its connection, after the Subscription reply; one that
 * leaves more than maxUnsentEventBytes of them unsent is dropped, as on Unix.
 */
import { closeSync } from "node:fs";
import { ErrorCode, Reply } from "@vmnet-broker/client/protocol";
import type { Outgoing, PeerAcceptor, PeerConnection } from "../../core/peer.js";
import { DEFAULT_TRANSPORT_LIMITS, TRANSPORT_LIMIT_NAMES } from "../unix/transport-limits.js";
import type { XpcEvent, XpcListener, XpcNative, XpcReplyHandle } from "./darwin-native.js";
import { acquireReply, errorReply, parseXpcMessage, requestReply, undecodableReply } from "./xpc-mapping.js";
import { type XpcDictionary, xpcData, xpcDictionary } from "./xpc-value.js";

/** The existing broker's service name, so its clients work unchanged. */
export const DEFAULT_SERVICE_NAME = "com.github.nirs.vmnet-broker";

export type XpcTransportEvent =
  | { readonly type: "invalid-message"; readonly peer: number; readonly reason: string }
  | { readonly type: "handler-error"; readonly peer: number; readonly error: unknown }
  | { readonly type: "listener-error"; readonly message: string }
  | { readonly type: "unknown-peer"; readonly peer: number }
  /** A subscriber left more than the limit unsent and was dropped. */
  | { readonly type: "limit-reached"; readonly peer: number; readonly limit: string; readonly value: number };

export interface XpcTransportOptions {
  readonly serviceName?: string;
  readonly native: XpcNative;
  /** Problems worth a log line; the transport itself never prints. */
  readonly onEvent?: (event: XpcTransportEvent) => void;
  /** Event bytes a subscriber may leave unsent before it is dropped (the Unix transport's limit). */
  readonly maxUnsentEventBytes?: number;
}

interface XpcPeer {
  readonly connection: PeerConnection;
  /** The tail of this peer's message chain: messages run one at a time, in order. */
  tail: Promise<void>;
  closed: boolean;
  /** Events pushed before the Subscription reply went out; undefined once streaming. */
  held: Reply[] | undefined;
  /** Dropped for a slow read: nothing more is pushed while its disconnect is on its way. */
  dropping: boolean;
}

export class XpcTransport {
  readonly description: string;
  readonly #peers = new Map<number, XpcPeer>();
  readonly #listener: XpcListener;
  readonly #native: XpcNative;
  readonly #onEvent: (event: XpcTransportEvent) => void;
  readonly #maxUnsentEventBytes: number;
  #closed = false;

  private constructor(
    private readonly acceptor: PeerAcceptor,
    options: XpcTransportOptions,
  ) {
    const service = options.serviceName ?? DEFAULT_SERVICE_NAME;
    this.description = `xpc:${service}`;
    this.#native = options.native;
    this.#onEvent = options.onEvent ?? (() => {});
    this.#maxUnsentEventBytes = options.maxUnsentEventBytes ?? DEFAULT_TRANSPORT_LIMITS.maxUnsentEventBytes;
    this.#listener = options.native.xpcListen(service, (event) => this.#dispatch(event));
  }

  static listen(acceptor: PeerAcceptor, options: XpcTransportOptions): XpcTransport {
    return new XpcTransport(acceptor, options);
  }

  get peerCount(): number {
    return this.#peers.size;
  }

  /** Stops listening and closes every peer (which releases their networks). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#listener.close();
    for (const id of [...this.#peers.keys()]) this.#disconnect(id);
  }

  // Called from the addon's thread-safe function: must never throw.
  #dispatch(event: XpcEvent): void {
    try {
      switch (event.type) {
        case "connect":
          if (this.#closed) return;
          this.#peers.set(event.peer, {
            connection: this.acceptor.connect({ uid: event.euid, gid: event.egid, pid: event.pid }, "xpc", (reply) =>
              this.#push(event.peer, reply),
            ),
            tail: Promise.resolve(),
            closed: false,
            held: [],
            dropping: false,
          });
          return;
        case "message":
          this.#enqueue(event.peer, event.message, event.reply);
          return;
        case "disconnect":
          this.#disconnect(event.peer);
          return;
        case "error":
          this.#onEvent({ type: "listener-error", message: event.message });
          return;
      }
    } catch (error) {
      this.#onEvent({ type: "handler-error", peer: event.peer, error });
    }
  }

  #enqueue(id: number, message: Parameters<typeof parseXpcMessage>[0], reply: XpcReplyHandle | null): void {
    const peer = this.#peers.get(id);
    if (peer === undefined) {
      this.#onEvent({ type: "unknown-peer", peer: id });
      return;
    }
    peer.tail = peer.tail.then(async () => {
      try {
        const answer = await this.#answer(id, peer, message);
        if (answer?.body !== undefined && reply !== null && !peer.closed) this.#native.xpcReply(reply, answer.body);
        // Events go out only after the Subscription reply, in order.
        if (answer?.subscribed) this.#startStreaming(id, peer);
      } catch (error) {
        this.#onEvent({ type: "handler-error", peer: id, error });
      }
    });
  }

  async #answer(
    id: number,
    peer: XpcPeer,
    message: Parameters<typeof parseXpcMessage>[0],
  ): Promise<{ body: XpcDictionary; subscribed?: boolean } | undefined> {
    if (peer.closed) return undefined;
    const command = parseXpcMessage(message);
    switch (command.kind) {
      case "invalid":
        this.#onEvent({ type: "invalid-message", peer: id, reason: command.reason });
        return { body: errorReply(command.code ?? ErrorCode.ERROR_CODE_INVALID_REQUEST) };
      case "undecodable":
        this.#onEvent({ type: "invalid-message", peer: id, reason: command.reason });
        return { body: undecodableReply(command.reason) };
      case "acquire":
        return { body: acquireReply(await this.#handle(id, peer, command.request)) };
      case "request": {
        const outgoing = await this.#handle(id, peer, command.request);
        return { body: requestReply(outgoing), subscribed: outgoing.reply.result?.$case === "subscription" };
      }
    }
  }

  /** An event of the peer's subscription: held until the Subscription reply is out. */
  #push(id: number, reply: Reply): void {
    const peer = this.#peers.get(id);
    if (peer === undefined || peer.closed || peer.dropping) return;
    if (peer.held !== undefined) peer.held.push(reply);
    else this.#sendEvent(id, peer, reply);
  }

  #startStreaming(id: number, peer: XpcPeer): void {
    const held = peer.held ?? [];
    peer.held = undefined;
    for (const reply of held) this.#sendEvent(id, peer, reply);
  }

  /** A subscriber that leaves too much unsent is dropped, like any slow reader. */
  #sendEvent(id: number, peer: XpcPeer, reply: Reply): void {
    if (peer.closed || peer.dropping) return;
    const encoded = Reply.encode(reply).finish();
    const unsent = this.#listener.push(id, xpcDictionary({ reply: xpcData(encoded) }), encoded.length);
    if (unsent > this.#maxUnsentEventBytes) {
      peer.dropping = true;
      this.#onEvent({
        type: "limit-reached",
        peer: id,
        limit: TRANSPORT_LIMIT_NAMES.maxUnsentEventBytes,
        value: this.#maxUnsentEventBytes,
      });
      this.#listener.dropPeer(id);
    }
  }

  async #handle(id: number, peer: XpcPeer, request: Parameters<PeerConnection["handle"]>[0]): Promise<Outgoing> {
    let outgoing: Outgoing;
    try {
      outgoing = await peer.connection.handle(request, []);
    } catch (error) {
      this.#onEvent({ type: "handler-error", peer: id, error });
      outgoing = {
        reply: {
          id: request.id,
          result: { $case: "error", value: { code: ErrorCode.ERROR_CODE_INTERNAL_ERROR, message: "internal error" } },
        },
        fds: [],
      };
    }
    // XPC carries no descriptors here: close any the core handed over.
    for (const fd of outgoing.fds) {
      try {
        closeSync(fd);
      } catch {
        // already closed: nothing to release
      }
    }
    return outgoing;
  }

  #disconnect(id: number): void {
    const peer = this.#peers.get(id);
    if (peer === undefined) return;
    this.#peers.delete(id);
    peer.closed = true;
    peer.connection.close();
  }
}
