// SPDX-License-Identifier: Apache-2.0
import type { PeerCredentials } from "../../core/peer.js";

/** Why a connection ended, as far as the transport can tell. */
export type DisconnectReason =
  /** The peer closed its end (or exited, or was killed). */
  | "eof"
  /** The socket failed (ECONNRESET, EPIPE, ...). */
  | "error"
  /** The peer broke the framing (oversize header, stray fds); the transport hung up. */
  | "framing"
  /** The transport was closed. */
  | "shutdown"
  /** A limit ended it (see the event's limit). */
  | "limit";

/** A limit that was reached, by its name (the `serve` flag) and value. */
export interface ReachedLimit {
  readonly name: string;
  readonly value: number;
}

/**
 * What happened on the Unix transport, for the daemon to log. The transport
 * itself never prints.
 */
export type UnixTransportEvent =
  | { readonly type: "connected"; readonly peerId: bigint; readonly credentials: PeerCredentials }
  | {
      readonly type: "disconnected";
      readonly peerId: bigint;
      readonly uid: number;
      readonly reason: DisconnectReason;
      /** Set when reason is "limit". */
      readonly limit?: ReachedLimit;
      /** The peer went away with part of a request sent. */
      readonly midFrame: boolean;
      readonly error?: Error;
    }
  /** A frame was rejected with INVALID_REQUEST (undecodable payload, oversize header, stray fds). */
  | { readonly type: "bad-frame"; readonly peerId: bigint; readonly message: string }
  /** peer.handle() threw; the peer got INTERNAL_ERROR. */
  | { readonly type: "handler-error"; readonly peerId: bigint; readonly error: unknown }
  /** accept4 or SO_PEERCRED failed; the listener keeps going. */
  | { readonly type: "accept-error"; readonly error: Error }
  /** The core refused a new peer (a connection limit); it was accepted and closed at once. */
  | { readonly type: "refused"; readonly credentials: PeerCredentials; readonly limit: ReachedLimit; readonly message: string };
