import type { PeerCredentials } from "./peer.js";

/** What the broker knows about one connected peer. */
export class PeerState {
  /** Networks this peer holds, in the order it acquired them. */
  readonly networks = new Set<string>();
  readonly connectedAt = Date.now();
  clientName = "";
  closed = false;

  constructor(
    readonly id: bigint,
    readonly credentials: PeerCredentials,
    readonly transport: "unix" | "xpc",
    /** Every group the peer's user is in, for access control. */
    readonly groups: ReadonlySet<number>,
  ) {}
}
