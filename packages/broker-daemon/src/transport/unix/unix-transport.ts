// SPDX-License-Identifier: Apache-2.0
import { closeAll, UnixListener } from "@vmnet-broker/client/socket";
import { LimitExceeded } from "../../core/limits.js";
import type { PeerAcceptor } from "../../core/peer.js";
import type { UnixTransportEvent } from "./transport-events.js";
import { DEFAULT_TRANSPORT_LIMITS, type TransportLimits } from "./transport-limits.js";
import { type ConnectionSettings, UnixConnection } from "./unix-connection.js";
import { UnsentBudget } from "./unsent-budget.js";

/** Quiet time after the last connection closed before memory is given back. */
const RELEASE_AFTER_CLOSE_MS = 1_000;
/** Fewest milliseconds between two releases (each costs a full GC). */
const RELEASE_INTERVAL_MS = 10_000;

export type { DisconnectReason, UnixTransportEvent } from "./transport-events.js";

/** Where to listen: a socket file the transport creates, or an inherited fd. */
export type UnixTransportOptions = (
  | {
      /** The socket file; a stale one is replaced only if nothing answers on it. */
      readonly socketPath: string;
      /** Permission bits of the socket file (for example 0o660). */
      readonly mode: number;
      /** Group owning the socket file; unchanged when absent. */
      readonly gid?: number;
    }
  | {
      /** A listening socket passed by systemd (fd 3); see inheritedListenFd(). */
      readonly inheritedFd: number;
    }
) & {
  /** Receives every connect, disconnect and rejected frame, for logging. */
  readonly onEvent?: (event: UnixTransportEvent) => void;
  /** Limits not given keep their defaults (DEFAULT_TRANSPORT_LIMITS). */
  readonly limits?: Partial<TransportLimits>;
  /**
   * Gives back memory a burst of connections left (the daemon's addon); called
   * once connections stop closing, at most every RELEASE_INTERVAL_MS.
   */
  readonly releaseFreedMemory?: () => void;
};

/**
 * The broker's Unix socket: accepts peers (identified by SO_PEERCRED), feeds
 * their requests to the core one at a time per connection, and tells the core
 * exactly once when each connection ends.
 */
export class UnixTransport {
  readonly description: string;
  readonly #listener: UnixListener;
  readonly #connections = new Set<UnixConnection>();
  #closing: Promise<void> | undefined;
  #releaseTimer: NodeJS.Timeout | undefined;
  #lastRelease = 0;
  readonly #releaseFreedMemory: () => void;

  private constructor(acceptor: PeerAcceptor, options: UnixTransportOptions) {
    this.#releaseFreedMemory = options.releaseFreedMemory ?? (() => {});
    const emit = (event: UnixTransportEvent) => options.onEvent?.(event);
    const limits = { ...DEFAULT_TRANSPORT_LIMITS, ...options.limits };
    const settings: ConnectionSettings = { limits, budget: new UnsentBudget(limits.maxUnsentReplyBytes) };
    const handlers = {
      onConnection: (fd: number, credentials: { uid: number; gid: number; pid: number }) => {
        let connection: UnixConnection;
        try {
          connection = new UnixConnection(fd, credentials, acceptor, emit, settings);
        } catch (error) {
          // The core refused the peer (or the socket could not be watched): hang
          // up at once, so refused peers never fill the listen backlog.
          closeAll([fd]);
          if (error instanceof LimitExceeded) {
            emit({ type: "refused", credentials, limit: { name: error.limit, value: error.value }, message: error.message });
          } else {
            emit({ type: "accept-error", error: error instanceof Error ? error : new Error(String(error)) });
          }
          return;
        }
        this.#connections.add(connection);
        void connection.ended.then(() => {
          this.#connections.delete(connection);
          this.#releaseMemorySoon();
        });
      },
      onError: (error: Error) => emit({ type: "accept-error", error }),
    };
    if ("inheritedFd" in options) {
      this.#listener = UnixListener.adopt(options.inheritedFd, handlers);
      this.description = `unix:fd ${options.inheritedFd} (inherited)`;
    } else {
      this.#listener = UnixListener.listen(
        { path: options.socketPath, mode: options.mode, ...(options.gid !== undefined ? { gid: options.gid } : {}) },
        handlers,
      );
      this.description = `unix:${options.socketPath}`;
    }
  }

  /** Starts listening. Throws an error naming the syscall and path if it cannot. */
  static listen(acceptor: PeerAcceptor, options: UnixTransportOptions): UnixTransport {
    return new UnixTransport(acceptor, options);
  }

  /** Connections currently open. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /**
   * Once connections stop closing, gives back what they left: a flood of
   * requests (deaf or busy peers) grows V8's young generation and glibc's
   * arenas to a high-water mark that nothing reclaims while the daemon idles,
   * though nothing in them is live. Debounced and throttled, off the hot path.
   */
  #releaseMemorySoon(): void {
    if (this.#closing !== undefined) return;
    clearTimeout(this.#releaseTimer);
    const wait = Math.max(RELEASE_AFTER_CLOSE_MS, this.#lastRelease + RELEASE_INTERVAL_MS - Date.now());
    this.#releaseTimer = setTimeout(() => {
      this.#releaseTimer = undefined;
      this.#lastRelease = Date.now();
      this.#releaseFreedMemory();
    }, wait).unref();
  }

  /** Stops accepting, removes the socket file it created, and closes every connection. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#listener.close();
      clearTimeout(this.#releaseTimer);
      await Promise.all([...this.#connections].map((connection) => connection.close()));
    })();
    return this.#closing;
  }
}
