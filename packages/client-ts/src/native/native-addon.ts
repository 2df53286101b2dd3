// SPDX-License-Identifier: Apache-2.0
/**
 * The surface of the socket addon (native/src/*.cc), as JavaScript sees it.
 * Every function validates its arguments (TypeError with a usage string) and
 * names the failing syscall in its errors ("sendmsg failed: EPIPE").
 */

/** Who is on the other end of a Unix socket, from SO_PEERCRED. */
export interface PeerCredentials {
  readonly uid: number;
  readonly gid: number;
  /** For display only: pids are reused. */
  readonly pid: number;
}

/** An Error from a system call, shaped like Node's own. */
export interface SyscallError extends Error {
  /** The errno name, for example "EPIPE". */
  readonly code: string;
  readonly errno: number;
  readonly syscall: string;
}

/** Accepts connections on a listening socket; owns the listening fd. */
export interface NativeListener {
  /** Stops accepting and closes the listening fd (the socket file is not removed). */
  close(): void;
}

/** All I/O on one connected socket; owns the fd. */
export interface NativeEndpoint {
  /**
   * Queues bytes in strict order; fds travel with the first byte. The fds are
   * duplicated now, so the caller may close its own at once. I/O failures are
   * reported through onClose, never thrown.
   */
  send(data: Uint8Array, fds: readonly number[]): void;
  /**
   * send() of one frame: the 4-byte big-endian length of payload, then payload.
   * With nothing queued it writes straight from payload (no copy, no dup).
   */
  sendFrame(payload: Uint8Array, fds: readonly number[]): void;
  /** Closes once everything queued has been sent. */
  end(): void;
  /** Closes now, dropping anything queued. onClose still runs, once. */
  close(): void;
  /** Stops reading (backpressure); EOF is not noticed either until resumed. */
  pauseReading(): void;
  resumeReading(): void;
  /** Bytes accepted by send() and not yet written to the socket. */
  readonly queuedBytes: number;
  /** The socket's fd, -1 once closed. */
  readonly fd: number;
}

export interface NativeAddon {
  /** socket + bind + chmod (+ chown when gid >= 0) + listen; removes a stale socket file first. */
  listen(path: string, mode: number, gid: number): number;
  /** Checks that fd is a listening Unix stream socket and makes it non-blocking. */
  adoptListener(fd: number): number;
  /** Connects to a Unix stream socket; the returned fd is non-blocking. */
  connect(path: string): number;
  peerCredentials(fd: number): PeerCredentials;
  closeFd(fd: number): void;
  Listener: new (
    fd: number,
    onConnection: (fd: number, credentials: PeerCredentials) => void,
    onError: (error: SyscallError) => void,
  ) => NativeListener;
  Endpoint: new (
    fd: number,
    /** chunk: a Buffer of its own, or with readBuffer a view of it that the next read overwrites. */
    onData: (chunk: Uint8Array, fds: number[]) => void,
    onClose: (error?: SyscallError) => void,
    /** Runs each time a queue that had to wait for the socket has been fully written. */
    onDrain?: () => void,
    /** Where reads land (may be shared by endpoints), instead of a copy per read. */
    readBuffer?: Uint8Array,
  ) => NativeEndpoint;
}
