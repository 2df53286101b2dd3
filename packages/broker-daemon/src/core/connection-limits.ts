// SPDX-License-Identifier: Apache-2.0
import { isRoot, LIMIT_NAMES, LimitExceeded, type Limits, ROOT_CONNECTION_RESERVE } from "./limits.js";

/** Counts open connections, in total and per uid, and refuses those over the limits. */
export class ConnectionLimits {
  readonly #perUser = new Map<number, number>();
  #total = 0;

  constructor(private readonly limits: Pick<Limits, "maxConnections" | "maxConnectionsPerUser">) {}

  /** Counts a new connection of uid, or throws LimitExceeded (and counts nothing). */
  admit(uid: number): void {
    const { maxConnections, maxConnectionsPerUser } = this.limits;
    if (isRoot(uid)) {
      if (this.#total >= maxConnections + ROOT_CONNECTION_RESERVE) {
        throw new LimitExceeded(
          LIMIT_NAMES.maxConnections,
          maxConnections,
          "uid 0",
          `root's reserve of ${ROOT_CONNECTION_RESERVE} is used up too`,
        );
      }
    } else {
      const mine = this.#perUser.get(uid) ?? 0;
      if (mine >= maxConnectionsPerUser) throw new LimitExceeded(LIMIT_NAMES.maxConnectionsPerUser, maxConnectionsPerUser, `uid ${uid}`);
      if (this.#total >= maxConnections) throw new LimitExceeded(LIMIT_NAMES.maxConnections, maxConnections, `uid ${uid}`);
    }
    this.#total++;
    this.#perUser.set(uid, (this.#perUser.get(uid) ?? 0) + 1);
  }

  release(uid: number): void {
    const mine = this.#perUser.get(uid) ?? 0;
    if (mine === 0) return;
    this.#total--;
    if (mine === 1) this.#perUser.delete(uid);
    else this.#perUser.set(uid, mine - 1);
  }
}
