// SPDX-License-Identifier: Apache-2.0
/** The LEASES table of `status`: dnsmasq keeps a lease until it expires, long after its guest is gone. */
export interface LeaseJson {
  readonly mac: string;
  readonly ip: string;
  readonly hostname: string;
  /** Seconds since the epoch; 0 for a lease that never ends. */
  readonly expires_unix: number;
}

export interface LeaseRows {
  readonly rows: string[][];
  /** Expired leases left out (all is false). */
  readonly hidden: number;
}

export const LEASE_HEADER = ["NETWORK", "IP", "MAC", "HOSTNAME", "EXPIRES"];

/** Rows for the leases of each network; expired ones only with all, marked "expired". */
export function leaseRows(
  networks: ReadonlyArray<{ name: string; leases: readonly LeaseJson[] }>,
  nowUnix: number,
  all: boolean,
): LeaseRows {
  const rows: string[][] = [];
  let hidden = 0;
  for (const { name, leases } of networks) {
    for (const lease of leases) {
      const expired = lease.expires_unix !== 0 && lease.expires_unix <= nowUnix;
      if (expired && !all) {
        hidden++;
        continue;
      }
      rows.push([name, lease.ip, lease.mac, lease.hostname || "-", expires(lease.expires_unix, nowUnix)]);
    }
  }
  return { rows, hidden };
}

function expires(expiresUnix: number, nowUnix: number): string {
  if (expiresUnix === 0) return "never";
  const left = expiresUnix - nowUnix;
  if (left <= 0) return "expired";
  return left < 3600 ? `in ${Math.ceil(left / 60)}m` : `in ${Math.floor(left / 3600)}h${Math.floor((left % 3600) / 60)}m`;
}
