// SPDX-License-Identifier: Apache-2.0
import { MAX_REPLY_PAYLOAD } from "@vmnet-broker/client/socket";

/** The Unix transport's limits, named like the core's (their `serve` flags). */
export interface TransportLimits {
  /**
   * Reply bytes written but not yet read by their peers, all connections
   * together; over it, the connection holding the most is closed.
   */
  readonly maxUnsentReplyBytes: number;
  /** Time a peer has to finish a frame it started; then it is disconnected. */
  readonly frameTimeoutMs: number;
  /**
   * Event bytes one subscriber may leave unread; past it the subscriber is
   * disconnected, so a stalled reader never stalls the broker.
   */
  readonly maxUnsentEventBytes: number;
}

export const DEFAULT_TRANSPORT_LIMITS: TransportLimits = {
  // Sixteen of the largest replies (a status of a very busy broker).
  maxUnsentReplyBytes: 16 * MAX_REPLY_PAYLOAD,
  // A request is at most 64 KiB, sent at once by every client.
  frameTimeoutMs: 10_000,
  // A few thousand events.
  maxUnsentEventBytes: 256 * 1024,
};

export const TRANSPORT_LIMIT_NAMES: { readonly [K in keyof TransportLimits]: string } = {
  maxUnsentReplyBytes: "max-unsent-reply-bytes",
  frameTimeoutMs: "frame-timeout-ms",
  maxUnsentEventBytes: "max-unsent-event-bytes",
};

/** Descriptors one request may carry (a veth request carries one); more ends the connection. */
export const MAX_REQUEST_FDS = 4;

/**
 * The most descriptors one connection can make the broker hold: its socket,
 * received fds queued and read ahead (MAX_REQUEST_FDS each), and the TAP queue
 * fds of one unsent reply (MAX_TAP_QUEUES, 16).
 */
export const MAX_FDS_PER_CONNECTION = 1 + 2 * MAX_REQUEST_FDS + 16;
