// SPDX-License-Identifier: Apache-2.0
import type { Reply, Request } from "@vmnet-broker/client/protocol";

/** Who is on the other end of a connection, as the kernel (or XPC) says. */
export interface PeerCredentials {
  readonly uid: number;
  readonly gid: number;
  /** For display only: pids are reused. */
  readonly pid: number;
}

/** A reply ready to send, with the file descriptors that travel with it. */
export interface Outgoing {
  readonly reply: Reply;
  /** The transport sends these and then closes them. */
  readonly fds: readonly number[];
  /** The reply's protobuf bytes, when the core has encoded it already (transports that send bytes reuse them). */
  readonly encoded?: Uint8Array;
  /**
   * macOS: the vmnet serialization of the network an acquire returned, which the XPC
   * transport sends natively under the reply key `network`.
   */
  readonly serialization?: unknown;
}

/**
 * One connection as the core sees it. Transports call handle() for each decoded
 * request, one at a time per connection (awaiting each), and close() exactly once
 * when the connection ends for any reason.
 */
export interface PeerConnection {
  readonly id: bigint;
  /** Takes ownership of fds: every fd not kept is closed before this resolves. */
  handle(request: Request, fds: readonly number[]): Promise<Outgoing>;
  close(): void;
}

/** What a transport needs from the core. */
export interface PeerAcceptor {
  /**
   * push, when the transport can stream, sends a reply nobody asked for (an
   * event of a subscription); without it, subscribing is UNSUPPORTED.
   */
  connect(credentials: PeerCredentials, transport: "unix" | "xpc", push?: (reply: Reply) => void): PeerConnection;
}
