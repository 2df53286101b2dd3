// SPDX-License-Identifier: Apache-2.0
import type { LeaseInfo } from "./backend.js";

/** The longest a lease request may wait (LeaseRequest.wait_ms is capped to it). */
export const MAX_LEASE_WAIT_MS = 600_000;

/**
 * Lease requests waiting for a guest's lease, by network and MAC. They need not
 * find the network live: it may be created while they wait.
 */
export class LeaseWaits {
  readonly #waiting = new Map<string, Set<(lease: LeaseInfo) => void>>();

  /** Resolves with the lease when notify() brings it, or undefined after ms or on abort. */
  wait(network: string, mac: string, ms: number, signal: AbortSignal): Promise<LeaseInfo | undefined> {
    const key = keyOf(network, mac);
    if (signal.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const set = this.#waiting.get(key) ?? new Set();
      this.#waiting.set(key, set);
      const done = (lease: LeaseInfo | undefined) => {
        clearTimeout(timer);
        signal.removeEventListener("abort", aborted);
        set.delete(found);
        if (set.size === 0 && this.#waiting.get(key) === set) this.#waiting.delete(key);
        resolve(lease);
      };
      const found = (lease: LeaseInfo) => done(lease);
      const aborted = () => done(undefined);
      const timer = setTimeout(aborted, Math.min(ms, MAX_LEASE_WAIT_MS));
      set.add(found);
      signal.addEventListener("abort", aborted, { once: true });
    });
  }

  /** A guest on the network has (or renewed) a lease: answer whoever waits for it. */
  notify(network: string, lease: LeaseInfo): void {
    for (const found of [...(this.#waiting.get(keyOf(network, lease.mac)) ?? [])]) found(lease);
  }
}

function keyOf(network: string, mac: string): string {
  return `${network}\n${mac}`;
}
