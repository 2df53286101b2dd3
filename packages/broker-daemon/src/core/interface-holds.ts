// SPDX-License-Identifier: Apache-2.0
/**
 * References held by interfaces (LEASE_HOLDER_INTERFACE): such an interface holds
 * its network for exactly as long as the link exists, whether or not the
 * connection that opened it stays. The backend reports deleted links; a network
 * is idle only when neither peers nor interfaces hold it.
 */
import type { InterfaceNote } from "./backend.js";
import type { ManagedNetwork } from "./registry.js";

/** How many interfaces hold the network (status: interface_references). */
export function interfaceReferences(network: ManagedNetwork): number {
  let count = 0;
  for (const record of network.interfaces.values()) if (record.holder === "interface") count++;
  return count;
}

export function isHeld(network: ManagedNetwork): boolean {
  return network.holders.size > 0 || interfaceReferences(network) > 0;
}

/** The network's interfaces as the backend records them. */
export function interfaceNotes(network: ManagedNetwork): InterfaceNote[] {
  return [...network.interfaces.values()].map(({ name, kind, holder, ownerUid, guestMac, named }) => ({
    name,
    kind,
    holder,
    ownerUid,
    guestMac,
    ...(named ? { named } : {}),
  }));
}

/** Tells the backend what is attached now; a failed write is only logged by the caller. */
export async function persistInterfaces(network: ManagedNetwork): Promise<void> {
  await network.live?.noteInterfaces?.(interfaceNotes(network));
}

/** True when an interface the broker handed out is still attached. */
export function hasAttachedInterfaces(network: ManagedNetwork): boolean {
  const live = network.live;
  if (live === undefined) return false;
  for (const name of network.interfaces.keys()) if (live.interfaceExists(name)) return true;
  return false;
}
