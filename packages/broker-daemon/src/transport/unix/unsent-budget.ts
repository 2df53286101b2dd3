// SPDX-License-Identifier: Apache-2.0
/** A connection as the budget sees it: the reply bytes it has not sent yet. */
export interface UnsentHolder {
  readonly queuedBytes: number;
}

/**
 * Keeps the reply bytes waiting in every connection's send queue, together,
 * under a budget. Over it, the connections holding the most are given up: a peer
 * that does not read is disconnected rather than buffered for.
 */
export class UnsentBudget<H extends UnsentHolder> {
  /** Each holder's bytes when last told; kept exact whenever over budget. */
  readonly #known = new Map<H, number>();
  #total = 0;

  constructor(readonly max: number) {}

  /** Records holder's unsent bytes; returns the holders to disconnect, if any. */
  update(holder: H, bytes: number): H[] {
    this.#set(holder, bytes);
    if (this.#total <= this.max) return [];
    // Peers read since we last looked: recount before condemning anyone.
    for (const known of this.#known.keys()) this.#set(known, known.queuedBytes);
    const evicted: H[] = [];
    const largestFirst = [...this.#known].sort((a, b) => b[1] - a[1]);
    for (const [candidate] of largestFirst) {
      if (this.#total <= this.max) break;
      this.remove(candidate);
      evicted.push(candidate);
    }
    return evicted;
  }

  remove(holder: H): void {
    this.#total -= this.#known.get(holder) ?? 0;
    this.#known.delete(holder);
  }

  get total(): number {
    return this.#total;
  }

  #set(holder: H, bytes: number): void {
    this.#total += bytes - (this.#known.get(holder) ?? 0);
    if (bytes === 0) this.#known.delete(holder);
    else this.#known.set(holder, bytes);
  }
}
