// SPDX-License-Identifier: Apache-2.0
import type { Reply } from "@vmnet-broker/client/protocol";
import type { PeerCredentials } from "./peer.js";

/** What the broker knows about one connected peer. */
export class PeerState {
  /** Networks this peer holds, in the order it acquired them. */
  readonly networks = new Set<string>();
  readonly connectedAt = Date.now();
  clientName = "";
  closed = false;
  /** Aborted when the peer goes: ends its waiting lease request. */
  readonly gone = new AbortController();
  /** Set once the connection became an event stream; ends the subscription. */
  unsubscribe: (() => void) | undefined;
  /** The transport's way to send events, when it can stream. */
  push: ((reply: Reply) => void) | undefined;

  constructor(
    readonly id: bigint,
    readonly credentials: PeerCredentials,
    readonly transport: "unix" | "xpc",
    /** Every group the peer's user is in, for access control. */
    readonly groups: ReadonlySet<number>,
  ) {}
}
