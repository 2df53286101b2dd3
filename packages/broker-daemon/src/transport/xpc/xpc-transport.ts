// SPDX-License-Identifier: Apache-2.0
/**
 * The XPC transport (macOS): peers of the Mach service feed the same PeerAcceptor
 * as the Unix transport. Messages of one peer are handled one at a time, in order;
 * the peer's disconnect (XPC_ERROR_CONNECTION_INVALID) closes its PeerConnection,
 * which releases its networks.
 */
import { closeSync } from "node:fs";
import { ErrorCode } from "@vmnet-broker/client/protocol";
import type { Outgoing, PeerAcceptor, PeerConnection } from "../../core/peer.js";
import type { XpcEvent, XpcListener, XpcNative, XpcReplyHandle } from "./darwin-native.js";
import { acquireReply, errorReply, parseXpcMessage, requestReply, undecodableReply } from "./xpc-mapping.js";
import type { XpcDictionary } from "./xpc-value.js";

/** The existing broker's service name, so its clients work unchanged. */
export const DEFAULT_SERVICE_NAME = "com.github.nirs.vmnet-broker";

export type XpcTransportEvent =
  | { readonly type: "invalid-message"; readonly peer: number; readonly reason: string }
  | { readonly type: "handler-error"; readonly peer: number; readonly error: unknown }
  | { readonly type: "listener-error"; readonly message: string }
  | { readonly type: "unknown-peer"; readonly peer: number };

export interface XpcTransportOptions {
  readonly serviceName?: string;
  readonly native: XpcNative;
  /** Problems worth a log line; the transport itself never prints. */
  readonly onEvent?: (event: XpcTransportEvent) => void;
}

interface XpcPeer {
  readonly connection: PeerConnection;
  /** The tail of this peer's message chain: messages run one at a time, in order. */
  tail: Promise<void>;
  closed: boolean;
}

export class XpcTransport {
  readonly description: string;
  readonly #peers = new Map<number, XpcPeer>();
  readonly #listener: XpcListener;
  readonly #native: XpcNative;
  readonly #onEvent: (event: XpcTransportEvent) => void;
  #closed = false;

  private constructor(
    private readonly acceptor: PeerAcceptor,
    options: XpcTransportOptions,
  ) {
    const service = options.serviceName ?? DEFAULT_SERVICE_NAME;
    this.description = `xpc:${service}`;
    this.#native = options.native;
    this.#onEvent = options.onEvent ?? (() => {});
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
            connection: this.acceptor.connect({ uid: event.euid, gid: event.egid, pid: event.pid }, "xpc"),
            tail: Promise.resolve(),
            closed: false,
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
        const body = await this.#answer(id, peer, message);
        if (body !== undefined && reply !== null && !peer.closed) this.#native.xpcReply(reply, body);
      } catch (error) {
        this.#onEvent({ type: "handler-error", peer: id, error });
      }
    });
  }

  async #answer(id: number, peer: XpcPeer, message: Parameters<typeof parseXpcMessage>[0]): Promise<XpcDictionary | undefined> {
    if (peer.closed) return undefined;
    const command = parseXpcMessage(message);
    switch (command.kind) {
      case "invalid":
        this.#onEvent({ type: "invalid-message", peer: id, reason: command.reason });
        return errorReply(command.code ?? ErrorCode.ERROR_CODE_INVALID_REQUEST);
      case "undecodable":
        this.#onEvent({ type: "invalid-message", peer: id, reason: command.reason });
        return undecodableReply(command.reason);
      case "acquire":
        return acquireReply(await this.#handle(id, peer, command.request));
      case "request":
        return requestReply(await this.#handle(id, peer, command.request));
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
