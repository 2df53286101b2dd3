// SPDX-License-Identifier: Apache-2.0
/**
 * Whether dnsmasq has bound its DNS port on the gateway. With bind-interfaces it
 * binds before writing its pid file, so this is a last check (an adopted network's
 * dnsmasq included) before the network is handed out: a guest's first query is
 * answered. Asked by one sock_diag look-up (the addon); only when that says no,
 * /proc/net/udp decides (a kernel without udp_diag says no to everything), which
 * lists every UDP socket of the namespace, two per network.
 */

import { readFileSync } from "node:fs";
import { endianness } from "node:os";
import { parseIPv4 } from "../../config/ipv4.js";
import { linuxNative } from "./native.js";

/** "192.168.100.1" as /proc/net/udp writes it: the raw 32-bit word in host byte order. */
export function procNetAddress(ipv4: string, port: number): string {
  const value = parseIPv4(ipv4) ?? 0;
  const bytes = [(value >>> 24) & 255, (value >>> 16) & 255, (value >>> 8) & 255, value & 255];
  const ordered = endianness() === "LE" ? bytes.reverse() : bytes;
  const hex = ordered.map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex}:${port.toString(16).padStart(4, "0")}`.toUpperCase();
}

/** True when a UDP socket of this namespace is bound to ipv4:port. */
export function udpBound(ipv4: string, port: number): boolean {
  return linuxNative().udpBound(ipv4, port) || listedInProc(ipv4, port);
}

/**
 * Read synchronously: /proc/thread-self/net is the namespace of the reading thread,
 * and async fs would read it from libuv's pool.
 */
export function listedInProc(ipv4: string, port: number): boolean {
  const wanted = procNetAddress(ipv4, port);
  const table = readFileSync("/proc/thread-self/net/udp", "utf8");
  return table.split("\n").some((line) => line.trim().split(/\s+/)[1] === wanted);
}
