// SPDX-License-Identifier: Apache-2.0
import { isRoot, LIMIT_NAMES, LimitExceeded, type Limits } from "./limits.js";
import type { ManagedNetwork } from "./registry.js";

type InterfaceCaps = Pick<Limits, "maxInterfacesPerPeer" | "maxInterfacesPerUser" | "maxInterfacesPerNetwork">;

interface Counts {
  peer: number;
  user: number;
  network: number;
}

/**
 * Checks the interface limits before one is created, counting what the networks
 * hold plus the creations under way (which run concurrently across peers).
 */
export class InterfaceLimits {
  readonly #pending: { readonly network: string; readonly peerId: bigint; readonly uid: number }[] = [];

  constructor(private readonly limits: InterfaceCaps) {}

  /**
   * Reserves room for one interface of peerId (uid) on target, or throws
   * LimitExceeded. Call the returned function once the interface is recorded on
   * the network, or its creation failed.
   */
  reserve(networks: readonly ManagedNetwork[], target: ManagedNetwork, peerId: bigint, uid: number): () => void {
    // Counting every record is cheap; only at a limit are interfaces that died
    // since (a VM closed its TAP) worth the syscall that finds them.
    const name = target.config.name;
    if (this.#over(this.#count(networks, target, peerId, uid, false), uid, name)) {
      const over = this.#over(this.#count(networks, target, peerId, uid, true), uid, name);
      if (over) throw over;
    }
    const entry = { network: name, peerId, uid };
    this.#pending.push(entry);
    return () => {
      const at = this.#pending.indexOf(entry);
      if (at >= 0) this.#pending.splice(at, 1);
    };
  }

  #count(networks: readonly ManagedNetwork[], target: ManagedNetwork, peerId: bigint, uid: number, liveOnly: boolean): Counts {
    const counts: Counts = { peer: 0, user: 0, network: 0 };
    const add = (network: string, peer: bigint, owner: number) => {
      if (peer === peerId) counts.peer++;
      if (owner === uid) counts.user++;
      if (network === target.config.name) counts.network++;
    };
    for (const network of networks) {
      for (const record of network.interfaces.values()) {
        if (liveOnly && !(network.live?.interfaceExists(record.name) ?? false)) continue;
        add(network.config.name, record.peerId, record.ownerUid);
      }
    }
    for (const pending of this.#pending) add(pending.network, pending.peerId, pending.uid);
    return counts;
  }

  #over(counts: Counts, uid: number, network: string): LimitExceeded | undefined {
    const { maxInterfacesPerPeer, maxInterfacesPerUser, maxInterfacesPerNetwork } = this.limits;
    if (counts.peer >= maxInterfacesPerPeer)
      return new LimitExceeded(LIMIT_NAMES.maxInterfacesPerPeer, maxInterfacesPerPeer, "this connection");
    if (isRoot(uid)) return undefined;
    if (counts.user >= maxInterfacesPerUser) return new LimitExceeded(LIMIT_NAMES.maxInterfacesPerUser, maxInterfacesPerUser, `uid ${uid}`);
    if (counts.network >= maxInterfacesPerNetwork)
      return new LimitExceeded(LIMIT_NAMES.maxInterfacesPerNetwork, maxInterfacesPerNetwork, `network '${network}'`);
    return undefined;
  }
}
