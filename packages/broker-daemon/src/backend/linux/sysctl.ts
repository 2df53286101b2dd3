/**
 * Forwarding sysctls. /proc/sys/net belongs to the namespace of the task that
 * opens it, so the writes are synchronous: they run on the calling thread (the
 * one whose namespace the broker manages), never on libuv's thread pool.
 */
import { writeFileSync } from "node:fs";

/** Enables IPv4 (and IPv6 when asked) forwarding in this namespace, like libvirt. */
export function enableForwarding(ipv6: boolean): void {
  writeFileSync("/proc/sys/net/ipv4/ip_forward", "1\n");
  if (ipv6) writeFileSync("/proc/sys/net/ipv6/conf/all/forwarding", "1\n");
}
