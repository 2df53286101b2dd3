// SPDX-License-Identifier: Apache-2.0
// A fake backend for the core's unit tests only: it records what the core asks for
// and lets a test decide when creation finishes or fails. Never used outside tests.
import { openSync } from "node:fs";
import { builtinConfig } from "../config/load.js";
import type { NetworkConfig } from "../config/network-config.js";
import type { AccountDatabase } from "../config/users.js";
import { silentLogger } from "../log.js";
import {
  type AdoptedNetwork,
  type Backend,
  type BackendNetwork,
  CreateFailure,
  type InterfaceNote,
  type LeaseInfo,
  type TapOptions,
  Unsupported,
} from "./backend.js";
import { Broker, type BrokerOptions } from "./broker.js";

export class FakeNetwork implements BackendNetwork {
  destroyed = false;
  left = false;
  /** What the core last asked to record. */
  notes: readonly InterfaceNote[] = [];
  readonly removed: string[] = [];
  readonly alive = new Set<string>();
  /** What the last openTap was asked. */
  lastTap: TapOptions | undefined;
  /** What leases() answers; a test may replace it. */
  leaseTable: LeaseInfo[] = [{ mac: "52:54:00:00:00:01", ip: "10.9.0.10", hostname: "guest", expiresUnix: 0 }];
  /** When set, every TAP reports this MAC (a test's way to make a reply too large). */
  tapMac: string | undefined;
  #taps = 0;
  readonly #leaseWatchers = new Set<() => void>();
  constructor(
    readonly config: NetworkConfig,
    readonly hasVhostNet = false,
  ) {}
  get info() {
    return {
      subnet: "10.9.0.0",
      mask: "255.255.255.0",
      gateway: "10.9.0.1",
      ipv6Prefix: "",
      mtu: this.config.mtu,
      bridge: `fake-${this.config.name}`,
    };
  }
  async leases(): Promise<LeaseInfo[]> {
    return this.leaseTable;
  }
  watchLeases(onChange: () => void) {
    this.#leaseWatchers.add(onChange);
    return () => this.#leaseWatchers.delete(onChange);
  }
  /** The DHCP server wrote its lease file anew. */
  setLeases(table: LeaseInfo[]) {
    this.leaseTable = table;
    for (const watcher of this.#leaseWatchers) watcher();
  }
  async openTap(options: TapOptions) {
    this.lastTap = options;
    if (options.vhostNet && !this.hasVhostNet) throw new Unsupported("vhost-net: no /dev/vhost-net (fake)");
    const index = this.#taps++;
    const name = `faketap${index}`;
    this.alive.add(name);
    const open = () => Array.from({ length: options.queues }, () => openSync("/dev/null", "r"));
    const fds = options.named ? [] : open();
    const vhostFds = options.vhostNet ? open() : [];
    // faketap0 is 52:54:00:00:00:02, faketap1 :03, and so on.
    const mac = this.tapMac ?? `52:54:00:00:00:${(index + 2).toString(16).padStart(2, "0")}`;
    return { name, peerIfname: "", mac, fds, vhostFds };
  }
  async removeInterface(name: string) {
    this.removed.push(name);
    this.alive.delete(name);
  }
  interfaceExists(name: string) {
    return this.alive.has(name);
  }
  async noteInterfaces(interfaces: readonly InterfaceNote[]) {
    this.notes = interfaces;
  }
  async leave() {
    this.left = true;
  }
  async destroy() {
    this.destroyed = true;
  }
}

export class FakeBackend implements Backend {
  readonly platform = "linux" as const;
  readonly features = ["tap"];
  readonly created: FakeNetwork[] = [];
  /** When set, the next creation waits for this promise. */
  gate: Promise<void> | undefined;
  failNext: string | undefined;
  /** Whether the networks it creates have /dev/vhost-net. */
  hasVhostNet = false;
  /** What adoptLeftovers() hands the daemon. */
  leftovers: AdoptedNetwork[] = [];
  #onGone: ((name: string) => void) | undefined;
  async adoptLeftovers() {
    return this.leftovers;
  }
  async reclaimLeftovers() {}
  watchInterfaces(onGone: (name: string) => void) {
    this.#onGone = onGone;
    return () => {
      this.#onGone = undefined;
    };
  }
  /** The kernel deleted a link (a TAP's last fd closed, a veth's namespace went). */
  linkGone(name: string) {
    for (const network of this.created) network.alive.delete(name);
    this.#onGone?.(name);
  }
  async createNetwork(config: NetworkConfig): Promise<BackendNetwork> {
    if (this.gate) await this.gate;
    if (this.failNext) {
      const why = this.failNext;
      this.failNext = undefined;
      throw new CreateFailure(why);
    }
    const network = new FakeNetwork(config, this.hasVhostNet);
    this.created.push(network);
    return network;
  }
}

export const testAccounts: AccountDatabase = {
  uidOf: (name) => ({ alice: 1000, bob: 1001 })[name],
  gidOf: (name) => ({ vm: 500 })[name],
  userName: (uid) => ({ 1000: "alice", 1001: "bob" })[uid],
  groupsOf: (uid, gid) => new Set(uid === 1001 ? [gid, 500] : [gid]),
};

export function makeBroker(backend: FakeBackend, options: Partial<BrokerOptions> = {}): Broker {
  return new Broker({
    backend,
    config: builtinConfig(),
    accounts: testAccounts,
    logger: silentLogger,
    version: "test",
    idleDelayMs: 1000,
    ...options,
  });
}
