// SPDX-License-Identifier: Apache-2.0
import type { NetworkConfig } from "../config/network-config.js";
import type { Backend, BackendNetwork, InterfaceNote } from "./backend.js";
import { IdleTimer } from "./idle-timer.js";
import { isHeld } from "./interface-holds.js";

/** An interface the broker opened (or adopted), remembered with what holds it. */
export interface OpenedInterfaceRecord extends InterfaceNote {
  /** The peer that opened it; 0 for one adopted from a previous broker. */
  readonly peerId: bigint;
  /** The uid of the peer that opened it, for the per-user limit. */
  readonly ownerUid: number;
  /**
   * The interface's MAC as opened (veth: its end in the peer's namespace, the
   * address that end's DHCP leases carry); absent for adopted interfaces.
   */
  readonly mac?: string;
}

/** A network the broker holds: its backend object, its holders, its idle countdown. */
export class ManagedNetwork {
  readonly holders = new Set<bigint>();
  readonly interfaces = new Map<string, OpenedInterfaceRecord>();
  readonly removal: IdleTimer;
  /** Set once the backend finished creating the network. */
  live: BackendNetwork | undefined;
  /** Taken over from a previous broker rather than created. */
  adopted = false;

  constructor(
    readonly config: NetworkConfig,
    readonly ready: Promise<BackendNetwork>,
    idleDelayMs: number,
    onIdle: () => void,
  ) {
    this.removal = new IdleTimer(idleDelayMs, onIdle);
  }
}

export interface RegistryEvents {
  created(network: ManagedNetwork): void;
  removed(network: ManagedNetwork): void;
  /** Left in place at shutdown for the next broker. */
  left?(network: ManagedNetwork): void;
}

/**
 * Networks by name. Concurrent acquires of one name share a single creation; a
 * network whose last holder leaves is removed after the idle delay unless someone
 * acquires it again first; an acquire that arrives while a removal is under way
 * waits for it and then creates the network anew.
 */
export class NetworkRegistry {
  readonly #networks = new Map<string, ManagedNetwork>();
  readonly #removals = new Map<string, Promise<void>>();

  constructor(
    private readonly backend: Backend,
    private readonly idleDelayMs: number,
    private readonly events: RegistryEvents,
  ) {}

  get(name: string): ManagedNetwork | undefined {
    return this.#networks.get(name);
  }

  all(): ManagedNetwork[] {
    return [...this.#networks.values()];
  }

  /** Adds peerId as a holder, creating the network if needed. Rejects if creation fails. */
  async acquire(config: NetworkConfig, peerId: bigint): Promise<ManagedNetwork> {
    for (;;) {
      const removing = this.#removals.get(config.name);
      if (removing) {
        await removing;
        continue;
      }
      let network = this.#networks.get(config.name);
      if (!network) network = this.#create(config);
      network.holders.add(peerId);
      network.removal.cancel();
      try {
        await network.ready;
      } catch (error) {
        network.holders.delete(peerId);
        throw error;
      }
      return network;
    }
  }

  /** Removes peerId as a holder; starts the idle countdown when nothing holds it. */
  release(name: string, peerId: bigint): void {
    const network = this.#networks.get(name);
    if (!network?.holders.delete(peerId)) return;
    this.settle(network);
  }

  /** Starts the idle countdown when neither peers nor interfaces hold the network. */
  settle(network: ManagedNetwork): void {
    if (!isHeld(network) && network.live && this.#networks.get(network.config.name) === network) network.removal.start();
  }

  /** Takes over a network a previous broker left; its interfaces hold it. */
  adopt(config: NetworkConfig, live: BackendNetwork, interfaces: readonly OpenedInterfaceRecord[]): ManagedNetwork {
    const network = new ManagedNetwork(config, Promise.resolve(live), this.idleDelayMs, () => void this.#remove(config.name));
    network.live = live;
    network.adopted = true;
    for (const record of interfaces) network.interfaces.set(record.name, record);
    this.#networks.set(config.name, network);
    this.settle(network);
    return network;
  }

  /**
   * Removes every network now (shutdown), except those `keep` picks: the registry
   * forgets them and the backend leaves them in place for the next broker.
   */
  async removeAll(keep: (network: ManagedNetwork) => boolean = () => false): Promise<void> {
    await Promise.all(
      [...this.#networks.values()].map(async (network) => {
        const live = network.live;
        if (live === undefined || !keep(network)) return this.#remove(network.config.name);
        network.removal.cancel();
        this.#networks.delete(network.config.name);
        await live.leave?.();
        this.events.left?.(network);
      }),
    );
    await Promise.all(this.#removals.values());
  }

  #create(config: NetworkConfig): ManagedNetwork {
    const network: ManagedNetwork = new ManagedNetwork(
      config,
      this.backend.createNetwork(config),
      this.idleDelayMs,
      () => void this.#remove(config.name),
    );
    this.#networks.set(config.name, network);
    network.ready.then(
      (live) => {
        network.live = live;
        this.events.created(network);
        // Everyone who asked may have left while it was being created.
        this.settle(network);
      },
      () => {
        if (this.#networks.get(config.name) === network) this.#networks.delete(config.name);
      },
    );
    return network;
  }

  #remove(name: string): Promise<void> {
    const existing = this.#removals.get(name);
    if (existing) return existing;
    const network = this.#networks.get(name);
    if (!network) return Promise.resolve();
    network.removal.cancel();
    const removal = (async () => {
      try {
        const live = await network.ready.catch(() => undefined);
        if (live) {
          await live.destroy();
          this.events.removed(network);
        }
      } finally {
        this.#networks.delete(name);
        this.#removals.delete(name);
      }
    })();
    this.#removals.set(name, removal);
    return removal;
  }
}
