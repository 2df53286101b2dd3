// SPDX-License-Identifier: Apache-2.0
import type { NetworkConfig } from "../config/network-config.js";
import { mayAcquire, type Requester } from "./access.js";
import type { PeerState } from "./peer-state.js";
import type { OpenedInterfaceRecord } from "./registry.js";

/** Who asks for status: admins see everything, everyone else their own part. */
export interface StatusViewer extends Requester {
  /** The asking connection, left out of the peer list: it knows itself. */
  readonly peerId?: bigint;
  readonly admin: boolean;
}

/** What one viewer may see of the broker's state; status.ts assembles only what this allows. */
export interface StatusScope {
  /** True when the viewer sees only its own part. */
  readonly filtered: boolean;
  network(config: NetworkConfig, interfaces: Iterable<OpenedInterfaceRecord>, holders: Iterable<bigint>): boolean;
  peer(peer: PeerState): boolean;
  holder(peerId: bigint): boolean;
  interface(record: OpenedInterfaceRecord): boolean;
  /**
   * The MACs whose leases the viewer sees on a network with these interfaces:
   * those of its own interfaces there (the guest MAC behind a TAP, a veth end's
   * MAC; a MAC means something only within its network); undefined for all.
   */
  leaseMacs(interfaces: Iterable<OpenedInterfaceRecord>): ReadonlySet<string> | undefined;
  /** Counters and configuration errors (file paths, problems) are for admins. */
  readonly internals: boolean;
}

/**
 * The viewer's scope. A non-admin sees the networks it may acquire (and any it
 * is on), the connections and interfaces of its own uid, and the leases of MACs
 * on its own interfaces: other users' pids, addresses and host names stay theirs.
 */
export function scopeFor(viewer: StatusViewer, peers: readonly PeerState[]): StatusScope {
  const notAsker = (peer: PeerState) => peer.id !== viewer.peerId;
  if (viewer.admin) {
    return {
      filtered: false,
      network: () => true,
      peer: notAsker,
      holder: () => true,
      interface: () => true,
      leaseMacs: () => undefined,
      internals: true,
    };
  }
  const own = new Set(peers.filter((p) => p.credentials.uid === viewer.uid).map((p) => p.id));
  if (viewer.peerId !== undefined) own.add(viewer.peerId);
  const ownInterface = (record: OpenedInterfaceRecord) => record.ownerUid === viewer.uid;
  return {
    filtered: true,
    network: (config, records, holders) =>
      mayAcquire(config, viewer) || [...records].some(ownInterface) || [...holders].some((id) => own.has(id)),
    peer: (peer) => own.has(peer.id) && notAsker(peer),
    holder: (id) => own.has(id),
    interface: ownInterface,
    leaseMacs: (records) =>
      new Set([...records].filter(ownInterface).flatMap((r) => [r.guestMac, r.mac ?? ""].filter(Boolean).map((m) => m.toLowerCase()))),
    internals: false,
  };
}
