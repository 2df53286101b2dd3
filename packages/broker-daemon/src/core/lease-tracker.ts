// SPDX-License-Identifier: Apache-2.0
import { coalesced } from "../coalesced.js";
import type { BackendNetwork, LeaseInfo } from "./backend.js";

export type LeaseChange = "added" | "renewed" | "expired";

/** setTimeout's ceiling (~24.8 days); a later expiry is re-armed when this fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The current leases of one live network, kept by re-reading them when the
 * backend says they changed (no polling), with one timer per lease for its
 * expiry: the DHCP server forgets an expired lease only when it next writes.
 */
export class LeaseTracker {
  readonly #current = new Map<string, LeaseInfo>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #reread: () => Promise<void>;
  #unwatch: (() => void) | undefined;
  #stopped = false;

  constructor(
    private readonly network: BackendNetwork,
    private readonly onChange: (change: LeaseChange, lease: LeaseInfo) => void,
  ) {
    this.#reread = coalesced(() => this.#read(true));
  }

  /** Reads the leases there are now, silently, then follows changes. */
  async start(): Promise<void> {
    this.#unwatch = this.network.watchLeases?.(() => void this.#reread());
    await this.#read(false);
  }

  stop(): void {
    this.#stopped = true;
    this.#unwatch?.();
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  leases(): IterableIterator<LeaseInfo> {
    return this.#current.values();
  }

  /** The guest's unexpired lease, if it has one; mac is lower case. */
  lease(mac: string): LeaseInfo | undefined {
    return this.#current.get(mac);
  }

  async #read(report: boolean): Promise<void> {
    let leases: LeaseInfo[];
    try {
      leases = await this.network.leases();
    } catch {
      return; // Unreadable for now: the next change tries again.
    }
    if (this.#stopped) return;
    const now = Date.now() / 1000;
    const seen = new Set<string>();
    for (const lease of leases) {
      if (lease.expiresUnix !== 0 && lease.expiresUnix <= now) continue;
      seen.add(lease.mac);
      const before = this.#current.get(lease.mac);
      if (before !== undefined && before.ip === lease.ip && before.expiresUnix === lease.expiresUnix) continue;
      this.#current.set(lease.mac, lease);
      this.#arm(lease);
      if (report) this.onChange(before === undefined ? "added" : "renewed", lease);
    }
    for (const [mac, lease] of this.#current) {
      if (!seen.has(mac)) this.#expire(lease, report);
    }
  }

  #arm(lease: LeaseInfo): void {
    clearTimeout(this.#timers.get(lease.mac));
    this.#timers.delete(lease.mac);
    if (lease.expiresUnix === 0) return;
    const delay = Math.min(Math.max(lease.expiresUnix * 1000 - Date.now(), 0), MAX_TIMER_MS);
    const timer = setTimeout(() => {
      if (this.#current.get(lease.mac) !== lease) return;
      if (lease.expiresUnix * 1000 > Date.now()) this.#arm(lease);
      else this.#expire(lease, true);
    }, delay);
    timer.unref();
    this.#timers.set(lease.mac, timer);
  }

  #expire(lease: LeaseInfo, report: boolean): void {
    this.#current.delete(lease.mac);
    clearTimeout(this.#timers.get(lease.mac));
    this.#timers.delete(lease.mac);
    if (report) this.onChange("expired", lease);
  }
}
