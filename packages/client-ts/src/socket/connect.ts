// SPDX-License-Identifier: Apache-2.0
import { native } from "../native/load-native-addon.js";

/**
 * Connects to a Unix stream socket and returns its non-blocking fd. Throws an
 * error naming the syscall and the cause: "connect failed: ENOENT (no socket at
 * /run/vmnet-broker/broker.sock)", ECONNREFUSED, EACCES, ...
 */
export function connectUnix(path: string): number {
  return native.connect(path);
}

/** Reads the peer's credentials (SO_PEERCRED) of a connected Unix socket. */
export function peerCredentials(fd: number): { uid: number; gid: number; pid: number } {
  return native.peerCredentials(fd);
}
