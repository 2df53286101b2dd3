// SPDX-License-Identifier: Apache-2.0
/**
 * Keeps one network's dnsmasq running: if it ends without being stopped (killed,
 * crashed, OOM), a new one is started on the same config and lease file, so
 * guests keep getting DHCP and DNS and leases survive (dnsmasq reads its lease
 * file at start). A dnsmasq that keeps dying is started again at most once per
 * RESTART_INTERVAL_MS, never in a tight loop.
 */
import type { RunningDnsmasq } from "./dnsmasq.js";

export const RESTART_INTERVAL_MS = 5_000;

/** What happened, for the daemon's log. */
export type DnsmasqExit =
  | { readonly how: string; readonly restartedPid: number }
  | { readonly how: string; readonly error: string; readonly retryInMs: number };

export interface DnsmasqSupervisorOptions {
  /** Starts a new dnsmasq (resolving once it serves), as at creation. */
  readonly start: () => Promise<RunningDnsmasq | undefined>;
  /** A new dnsmasq runs: the network records its pid (awaited before onExit reports it). */
  readonly onReplaced: (running: RunningDnsmasq) => void | Promise<void>;
  readonly onExit?: (exit: DnsmasqExit) => void;
}

export class DnsmasqSupervisor {
  #current: RunningDnsmasq | undefined;
  #startedAt = Date.now();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    first: RunningDnsmasq | undefined,
    private readonly options: DnsmasqSupervisorOptions,
  ) {
    this.#current = first;
    if (first !== undefined) this.#watch(first);
  }

  get current(): RunningDnsmasq | undefined {
    return this.#current;
  }

  /** Stops supervising and stops the dnsmasq that runs. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#current?.stop();
  }

  #watch(running: RunningDnsmasq): void {
    void running.exited.then((how) => {
      if (this.#stopped || this.#current !== running) return;
      const wait = Math.max(0, this.#startedAt + RESTART_INTERVAL_MS - Date.now());
      this.#schedule(how, wait);
    });
  }

  #schedule(how: string, delayMs: number): void {
    this.#timer = setTimeout(() => void this.#restart(how), delayMs);
    this.#timer.unref();
  }

  async #restart(how: string): Promise<void> {
    if (this.#stopped) return;
    this.#startedAt = Date.now();
    let next: RunningDnsmasq | undefined;
    try {
      next = await this.options.start();
      await next?.untilServing();
    } catch (error) {
      await next?.stop();
      if (this.#stopped) return;
      this.options.onExit?.({ how, error: error instanceof Error ? error.message : String(error), retryInMs: RESTART_INTERVAL_MS });
      this.#schedule(how, RESTART_INTERVAL_MS);
      return;
    }
    if (this.#stopped || next === undefined) {
      await next?.stop();
      return;
    }
    this.#current = next;
    await this.options.onReplaced(next);
    this.options.onExit?.({ how, restartedPid: next.pid });
    this.#watch(next);
  }
}
