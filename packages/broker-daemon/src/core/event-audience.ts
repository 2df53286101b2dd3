// SPDX-License-Identifier: Apache-2.0
import type { NetworkConfig } from "../config/network-config.js";
import { mayAcquire } from "./access.js";
import type { Audience } from "./event-bus.js";
import type { ManagedNetwork } from "./registry.js";

/** Network events: whoever may acquire the network (as status lists it). */
export function networkAudience(config: NetworkConfig): Audience {
  return (viewer) => mayAcquire(config, viewer);
}

/** Peer and interface events: the user they belong to. */
export function ownerAudience(uid: number): Audience {
  return (viewer) => viewer.uid === uid;
}

/**
 * Lease events: the users with an interface on the network carrying that MAC
 * (the guest MAC behind a TAP, a veth end's MAC), as status shows leases.
 */
export function leaseAudience(network: ManagedNetwork, mac: string): Audience {
  const owners = new Set<number>();
  for (const record of network.interfaces.values()) {
    if (record.guestMac.toLowerCase() === mac || record.mac?.toLowerCase() === mac) owners.add(record.ownerUid);
  }
  return (viewer) => owners.has(viewer.uid);
}
