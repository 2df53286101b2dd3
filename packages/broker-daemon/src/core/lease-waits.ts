// SPDX-License-Identifier: Apache-2.0
import type { LeaseInfo } from "./backend.js";

/** The longest a lease request may wait (LeaseRequest.wait_ms is capped to it). */
export const MAX_LEASE_WAIT_MS = 600_000;

/** How a wait ended: the lease, or why there is none. */
export type WaitOutcome = { readonly lease: LeaseInfo } | { readonly ended: "timeout" | "aborted" | "network-removed" };

/**
 * Lease requests waiting for a guest's lease, by network and MAC. They need not
 * find the network live: it may be created while they wait. Once it has been
 * removed, though, no lease can come from it: those waits end at once.
 */
export class LeaseWaits {
  readonly #waiting = new Map<string, Map<string, Set<(outcome: WaitOutcome) => void>>>();

  /** Resolves with the lease when notify() brings it, or why not: after ms, on abort, on removal. */
  wait(network: string, mac: string, ms: number, signal: AbortSignal): Promise<WaitOutcome> {
    if (signal.aborted) return Promise.resolve({ ended: "aborted" });
    return new Promise((resolve) => {
      const macs = this.#waiting.get(network) ?? new Map<string, Set<(outcome: WaitOutcome) => void>>();
      this.#waiting.set(network, macs);
      const set = macs.get(mac) ?? new Set();
      macs.set(mac, set);
      const done = (outcome: WaitOutcome) => {
        clearTimeout(timer);
        signal.removeEventListener("abort", aborted);
        set.delete(done);
        if (set.size === 0 && macs.get(mac) === set) macs.delete(mac);
        if (macs.size === 0 && this.#waiting.get(network) === macs) this.#waiting.delete(network);
        resolve(outcome);
      };
      const aborted = () => done({ ended: "aborted" });
      const timer = setTimeout(() => done({ ended: "timeout" }), Math.min(ms, MAX_LEASE_WAIT_MS));
      set.add(done);
      signal.addEventListener("abort", aborted, { once: true });
    });
  }

  /** A guest on the network has (or renewed) a lease: answer whoever waits for it. */
  notify(network: string, lease: LeaseInfo): void {
    for (const done of [...(this.#waiting.get(network)?.get(lease.mac) ?? [])]) done({ lease });
  }

  /** The network was removed: every wait on it ends now rather than at its timeout. */
  networkRemoved(network: string): void {
    for (const set of [...(this.#waiting.get(network)?.values() ?? [])]) {
      for (const done of [...set]) done({ ended: "network-removed" });
    }
  }
}
