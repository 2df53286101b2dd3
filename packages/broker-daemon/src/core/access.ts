// SPDX-License-Identifier: Apache-2.0
import type { NetworkConfig } from "../config/network-config.js";

/** Who is asking, as access control sees it. */
export interface Requester {
  readonly uid: number;
  /** Every group the user is in: primary plus supplementary. */
  readonly groups: ReadonlySet<number>;
}

/** Whether the requester may acquire the network: allowed_users / allowed_groups, or everyone when neither is set. */
export function mayAcquire(config: NetworkConfig, requester: Requester): boolean {
  if (!config.allowedUids && !config.allowedGids) return true;
  if (config.allowedUids?.has(requester.uid)) return true;
  return [...requester.groups].some((g) => config.allowedGids?.has(g));
}

/** Root, and members of the admin group when there is one, see and may do everything. */
export function isAdmin(requester: Requester, adminGid: number | undefined): boolean {
  return requester.uid === 0 || (adminGid !== undefined && requester.groups.has(adminGid));
}
