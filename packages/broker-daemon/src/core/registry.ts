import type { NetworkConfig } from "../config/network-config.js";
import type { Backend, BackendNetwork } from "./backend.js";
import { IdleTimer } from "./idle-timer.js";

/** An interface the broker opened, remembered so it can be removed with its peer. */
export interface OpenedInterfaceRecord {
  readonly name: string;
  readonly kind: "tap" | "veth";
  readonly peerId: bigint;
  /** The uid of the peer that opened it: status shows it to that user. */
  readonly ownerUid: number;
  /** Its hardware address: status shows that user the leases of this MAC. */
  readonly mac: string;
}

/** A network the broker holds: its backend object, its holders, its idle countdown. */
export class ManagedNetwork {
  readonly holders = new Set<bigint>();
  readonly interfaces = new Map<string, OpenedInterfaceRecord>();
  readonly removal: IdleTimer;
  /** Set once the backend finished creating the network. */
  live: BackendNetwork | undefined;

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

  /** Removes peerId as a holder; starts the idle countdown when none is left. */
  release(name: string, peerId: bigint): void {
    const network = this.#networks.get(name);
    if (!network?.holders.delete(peerId)) return;
    if (network.holders.size === 0 && network.live) network.removal.start();
  }

  /** Removes every network now (shutdown). */
  async removeAll(): Promise<void> {
    await Promise.all([...this.#networks.keys()].map((name) => this.#remove(name)));
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
        if (network.holders.size === 0) network.removal.start();
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
