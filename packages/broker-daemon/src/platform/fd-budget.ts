// SPDX-License-Identifier: Apache-2.0
import { readFileSync } from "node:fs";
import { ROOT_CONNECTION_RESERVE } from "../core/limits.js";
import { MAX_FDS_PER_CONNECTION } from "../transport/unix/transport-limits.js";

/** Descriptors kept for everything but connections: listener, netlink and ioctl sockets, dnsmasq pipes, files. */
export const FD_HEADROOM = 512;

/**
 * The soft RLIMIT_NOFILE of this process (Node raises it to the hard limit at
 * start), or undefined where /proc does not tell.
 */
export function openFileLimit(limitsText = readProcLimits()): number | undefined {
  const line = limitsText?.split("\n").find((l) => l.startsWith("Max open files"));
  const soft = line?.split(/\s{2,}/)[1];
  if (soft === undefined) return undefined;
  return soft === "unlimited" ? Number.POSITIVE_INFINITY : Number(soft);
}

/**
 * The largest max-connections whose worst case (every connection holding all
 * the descriptors it can make the broker hold, plus root's reserve) fits in
 * the fd limit with FD_HEADROOM to spare.
 */
export function connectionsThatFit(fdLimit: number): number {
  return Math.max(1, Math.floor((fdLimit - FD_HEADROOM) / MAX_FDS_PER_CONNECTION) - ROOT_CONNECTION_RESERVE);
}

function readProcLimits(): string | undefined {
  try {
    return readFileSync("/proc/self/limits", "utf8");
  } catch {
    return undefined;
  }
}
