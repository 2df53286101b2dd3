// SPDX-License-Identifier: Apache-2.0
import type { Lease as LeaseMessage } from "./gen/vmnet_broker/v1/broker.js";

/** The longest the broker waits for a lease (LeaseRequest.wait_ms is capped to it). */
export const MAX_LEASE_WAIT_MS = 600_000;

/** A guest's DHCP lease on a network. */
export interface GuestLease {
  readonly network: string;
  /** The guest's MAC, lower case, colon separated. */
  readonly mac: string;
  /** The leased IPv4 address. */
  readonly ip: string;
  /** IPv6 addresses the broker knows for the MAC (often none). */
  readonly ipv6: readonly string[];
  /** The host name the guest sent; empty unless the MAC is on this user's interface (or an admin asks). */
  readonly hostname: string;
  /** When the lease ends, seconds since the epoch; 0 for never. */
  readonly expiresUnix: number;
}

export function leaseFromMessage(message: LeaseMessage): GuestLease {
  return {
    network: message.networkName,
    mac: message.mac,
    ip: message.ip,
    ipv6: message.ipv6,
    hostname: message.hostname,
    expiresUnix: Number(message.expiresUnix),
  };
}
