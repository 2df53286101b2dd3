// SPDX-License-Identifier: Apache-2.0
import type { AccountDatabase } from "./users.js";

/** A group given as a name or a numeric gid, or undefined when no such group exists. */
export function groupId(group: string, accounts: AccountDatabase): number | undefined {
  return /^\d+$/.test(group) ? Number(group) : accounts.gidOf(group);
}
