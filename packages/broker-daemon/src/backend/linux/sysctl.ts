// SPDX-License-Identifier: Apache-2.0
/**
 * Namespace sysctls. /proc/sys/net belongs to the namespace of the task that
 * opens it, so the writes are synchronous: they run on the calling thread (the
 * one whose namespace the broker manages), never on libuv's thread pool.
 */
import { writeFileSync } from "node:fs";

/** Enables IPv4 (and IPv6 when asked) forwarding in this namespace, like libvirt. */
export function enableForwarding(ipv6: boolean): void {
  writeFileSync("/proc/sys/net/ipv4/ip_forward", "1\n");
  if (ipv6) writeFileSync("/proc/sys/net/ipv6/conf/all/forwarding", "1\n");
}

const BRIDGE_NETFILTER = ["bridge-nf-call-iptables", "bridge-nf-call-ip6tables", "bridge-nf-call-arptables"];

/**
 * With br_netfilter loaded (Docker loads it), every frame a bridge forwards runs
 * the IP hooks: the forward chains of every table, and connection tracking. Each
 * namespace has these switches, on by default; a bridge's own `nf_call_*` options
 * can only add to them, never turn them off. Only for a namespace the broker owns
 * (the sandbox): in the host's, the admin's setting is left alone. Without the
 * module the files do not exist, and there is nothing to do; it is called at
 * every creation because the module may be loaded later.
 */
export function keepBridgesOutOfNetfilter(): void {
  for (const name of BRIDGE_NETFILTER) {
    try {
      writeFileSync(`/proc/sys/net/bridge/${name}`, "0\n");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
}

/**
 * Lets the bridge carry packets with a 127.0.0.0/8 source: a client of
 * 127.0.0.1:<forwarded port> is DNATed to a guest and leaves through the bridge
 * (masqueraded on the way out), and its answers come back to 127.0.0.1 through
 * it. The setting is the bridge's own and goes with it; the loopback guard in
 * the table (forward-rules.ts) keeps guests from using it to reach 127.0.0.1.
 */
export function allowLoopbackSources(bridge: string): void {
  writeFileSync(`/proc/sys/net/ipv4/conf/${bridge}/route_localnet`, "1\n");
}
