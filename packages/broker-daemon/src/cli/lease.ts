// SPDX-License-Identifier: Apache-2.0
import { BrokerClient, type GuestLease, MAX_LEASE_WAIT_MS } from "@vmnet-broker/client";
import { parse, socketPath } from "./parse.js";
import { UsageError } from "./usage-error.js";

/**
 * Prints the DHCP lease of a guest's MAC, waiting up to --wait seconds for the
 * guest to take one; none by then exits NOT_FOUND (5).
 */
export async function leaseCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(
    "lease",
    args,
    { socket: { type: "string" }, "service-name": { type: "string" }, json: { type: "boolean" }, wait: { type: "string" } },
    true,
  );
  const [network, mac, ...rest] = positionals;
  if (network === undefined || mac === undefined || rest.length > 0) throw new UsageError("give a NETWORK and a MAC", "lease");
  const seconds = Number(values.wait ?? "0");
  if (!Number.isFinite(seconds) || seconds < 0 || seconds * 1000 > MAX_LEASE_WAIT_MS) {
    throw new UsageError(`--wait must be 0..${MAX_LEASE_WAIT_MS / 1000} seconds, not '${values.wait}'`, "lease");
  }
  const waitMs = Math.round(seconds * 1000);
  // A broker error's code becomes the exit status (exit-status.ts): 5 NOT_FOUND, 3 NOT_ALLOWED.
  const lease =
    process.platform === "darwin"
      ? await xpcLease(network, mac, waitMs, values["service-name"])
      : await unixLease(values.socket, network, mac, waitMs);
  process.stdout.write(values.json ? `${JSON.stringify(lease)}\n` : `${formatLease(lease)}\n`);
  return 0;
}

async function unixLease(socket: string | undefined, network: string, mac: string, timeoutMs: number): Promise<GuestLease> {
  const client = await BrokerClient.connect({ socketPath: socketPath(socket) });
  try {
    return await client.waitForLease(network, mac, { timeoutMs });
  } finally {
    void client.close();
  }
}

/** macOS: the broker is a Mach service; ask it over XPC. */
async function xpcLease(network: string, mac: string, waitMs: number, serviceName: string | undefined): Promise<GuestLease> {
  const { xpcLease } = await import("../transport/xpc/xpc-client.js");
  const lease = await xpcLease(network, mac, waitMs, serviceName);
  return {
    network: lease.networkName,
    mac: lease.mac,
    ip: lease.ip,
    ipv6: lease.ipv6,
    hostname: lease.hostname,
    expiresUnix: Number(lease.expiresUnix),
  };
}

/** "10.0.0.7 52:54:00:aa:bb:cc shared hostname=vm expires=2026-11-30T14:00:00Z": the address first, for `cut`. */
export function formatLease(lease: GuestLease): string {
  const parts = [lease.ip, lease.mac, lease.network];
  if (lease.ipv6.length > 0) parts.push(`ipv6=${lease.ipv6.join(",")}`);
  if (lease.hostname !== "") parts.push(`hostname=${lease.hostname}`);
  parts.push(`expires=${lease.expiresUnix === 0 ? "never" : new Date(lease.expiresUnix * 1000).toISOString()}`);
  return parts.join(" ");
}
