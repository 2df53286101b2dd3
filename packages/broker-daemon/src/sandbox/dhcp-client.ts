/**
 * One DHCP exchange for a guest: busybox udhcpc inside the guest's namespace,
 * with a script that only sets the interface's address and default route there
 * (never /etc/resolv.conf, never anything outside the namespace).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Guest } from "./guest.js";

/** udhcpc calls it with the event as $1 and the lease in the environment. */
const SCRIPT = `#!/bin/sh
# Written by vmnet-broker's test helpers: configure $interface only.
case "$1" in
  deconfig)
    ip -4 addr flush dev "$interface"
    ip link set dev "$interface" up
    ;;
  bound|renew)
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    set -- $router
    if [ -n "$1" ]; then ip route replace default via "$1" dev "$interface"; fi
    echo "lease ip=$ip mask=$mask router=$1"
    ;;
esac
exit 0
`;

export interface DhcpLease {
  readonly ip: string;
  /** Prefix length. */
  readonly prefix: number;
  /** The default gateway offered; "" when none (host-only networks). */
  readonly router: string;
}

/**
 * Runs `udhcpc -i <ifname> -n -q` in the guest; resolves with the lease, rejects
 * (with udhcpc's message) when no server answered after `attempts` discovers.
 */
export async function acquireDhcpLease(guest: Guest, ifname: string, attempts = 10): Promise<DhcpLease> {
  const dir = await mkdtemp(join(tmpdir(), "vmnet-broker-udhcpc-"));
  try {
    const script = join(dir, "udhcpc.script");
    await writeFile(script, SCRIPT, { mode: 0o755 });
    const out = await guest.run("busybox", ["udhcpc", "-i", ifname, "-n", "-q", "-f", "-t", String(attempts), "-T", "1", "-s", script]);
    const match = /lease ip=(\S+) mask=(\d+) router=(\S*)/.exec(out);
    if (match === null) throw new Error(`udhcpc on ${ifname} in guest ${guest.name} printed no lease: ${out.trim()}`);
    return { ip: match[1] ?? "", prefix: Number(match[2]), router: match[3] ?? "" };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
