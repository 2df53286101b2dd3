// SPDX-License-Identifier: Apache-2.0
/**
 * Lets one log line per key through per interval and counts the rest, so that a
 * peer hammering a limit cannot flood the log (flooding is an attack too).
 */
export class LogThrottle {
  readonly #windows = new Map<string, { start: number; suppressed: number }>();

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
    /** Keys remembered at most; old windows are dropped first. */
    private readonly maxKeys = 1024,
  ) {}

  /** Undefined to stay silent, or how many lines for key were held back since the last one. */
  admit(key: string): { readonly suppressed: number } | undefined {
    const now = this.now();
    const window = this.#windows.get(key);
    if (window !== undefined && now - window.start < this.intervalMs) {
      window.suppressed++;
      return undefined;
    }
    this.#windows.delete(key);
    if (this.#windows.size >= this.maxKeys) this.#dropExpired(now);
    this.#windows.set(key, { start: now, suppressed: 0 });
    return { suppressed: window?.suppressed ?? 0 };
  }

  #dropExpired(now: number): void {
    for (const [key, window] of this.#windows) {
      if (now - window.start >= this.intervalMs || this.#windows.size >= this.maxKeys) this.#windows.delete(key);
    }
  }
}
