// SPDX-License-Identifier: Apache-2.0
/**
 * One DHCP exchange for a guest: busybox udhcpc inside the guest's namespace,
 * with a script that only sets the interface's address and default route there
 * (never /etc/resolv.conf, never anything outside the namespace).
 */
import { join } from "node:path";
import { PACKAGE_DIR } from "../package-root.js";
import type { Guest } from "./guest.js";

/**
 * udhcpc calls it with the event as $1 and the lease in the environment; it prints
 * "lease ip=... mask=... router=... mtu=... server=..." once bound. Shared with the demo (make start).
 */
const script = () => join(PACKAGE_DIR, "demo/udhcpc.script");

export interface DhcpLease {
  readonly ip: string;
  /** Prefix length. */
  readonly prefix: number;
  /** The default gateway offered; "" when none (host-only networks). */
  readonly router: string;
  /** The interface MTU offered (option 26); undefined when none. */
  readonly mtu: number | undefined;
  /** The server that answered (option 54). */
  readonly server: string;
}

/**
 * Runs `udhcpc -i <ifname> -n -q` in the guest; resolves with the lease, rejects
 * (with udhcpc's message) when no server answered after `attempts` discovers.
 */
export async function acquireDhcpLease(guest: Guest, ifname: string, attempts = 10): Promise<DhcpLease> {
  const out = await guest.run("busybox", [
    "udhcpc",
    "-i",
    ifname,
    "-n",
    "-q",
    "-f",
    "-O",
    "mtu",
    "-t",
    String(attempts),
    "-T",
    "1",
    "-s",
    script(),
  ]);
  const match = /lease ip=(\S+) mask=(\d+) router=(\S*) mtu=(\d*) server=(\S*)/.exec(out);
  if (match === null) throw new Error(`udhcpc on ${ifname} in guest ${guest.name} printed no lease: ${out.trim()}`);
  return {
    ip: match[1] ?? "",
    prefix: Number(match[2]),
    router: match[3] ?? "",
    mtu: match[4] ? Number(match[4]) : undefined,
    server: match[5] ?? "",
  };
}
