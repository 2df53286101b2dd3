// SPDX-License-Identifier: Apache-2.0
/** A restartable one-shot timer that knows how long it has left. */
export class IdleTimer {
  #handle: NodeJS.Timeout | undefined;
  #deadline = 0;

  constructor(
    private readonly delayMs: number,
    private readonly onExpire: () => void,
  ) {}

  /** Starts (or restarts) the countdown. */
  start(): void {
    this.cancel();
    this.#deadline = Date.now() + this.delayMs;
    this.#handle = setTimeout(() => {
      this.#handle = undefined;
      this.onExpire();
    }, this.delayMs);
    // An idle countdown must never be what keeps the process alive.
    this.#handle.unref();
  }

  cancel(): void {
    if (this.#handle) clearTimeout(this.#handle);
    this.#handle = undefined;
  }

  /** Milliseconds until expiry; 0 when not running. */
  get remainingMs(): number {
    return this.#handle ? Math.max(0, this.#deadline - Date.now()) : 0;
  }
}
