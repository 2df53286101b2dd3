// SPDX-License-Identifier: Apache-2.0
import { unlinkSync } from "node:fs";
import { native } from "../native/load-native-addon.js";
import type { NativeListener, PeerCredentials, SyscallError } from "../native/native-addon.js";

export interface ListenOptions {
  /** The socket file to create. A stale file is replaced only if nothing answers on it. */
  readonly path: string;
  /** Permission bits of the socket file, for example 0o660. */
  readonly mode: number;
  /** Group that owns the socket file; unchanged when absent. */
  readonly gid?: number;
}

export interface ListenerHandlers {
  /** A new connection: the handler owns fd (non-blocking, close-on-exec). */
  onConnection(fd: number, credentials: PeerCredentials): void;
  /** accept4 or SO_PEERCRED failed; the listener keeps going. */
  onError?(error: SyscallError): void;
}

/** Accepts connections on a Unix stream socket, with each peer's credentials. */
export class UnixListener {
  readonly #listener: NativeListener;
  readonly #ownedPath: string | undefined;
  #closed = false;

  private constructor(fd: number, ownedPath: string | undefined, handlers: ListenerHandlers) {
    this.#ownedPath = ownedPath;
    this.#listener = new native.Listener(
      fd,
      (connFd, credentials) => {
        if (this.#closed) {
          native.closeFd(connFd);
          return;
        }
        handlers.onConnection(connFd, credentials);
      },
      (error) => handlers.onError?.(error),
    );
  }

  /** Creates the socket file and listens on it. */
  static listen(options: ListenOptions, handlers: ListenerHandlers): UnixListener {
    const fd = native.listen(options.path, options.mode, options.gid ?? -1);
    try {
      return new UnixListener(fd, options.path, handlers);
    } catch (error) {
      native.closeFd(fd);
      unlinkSync(options.path);
      throw error;
    }
  }

  /** Listens on an inherited listening socket (systemd socket activation). */
  static adopt(fd: number, handlers: ListenerHandlers): UnixListener {
    return new UnixListener(native.adoptListener(fd), undefined, handlers);
  }

  /** Stops accepting; removes the socket file if this listener created it. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#listener.close();
    if (this.#ownedPath !== undefined) {
      try {
        unlinkSync(this.#ownedPath);
      } catch {
        // Already removed by someone else: nothing to undo.
      }
    }
  }
}
