// SPDX-License-Identifier: Apache-2.0
import { type AccountsNative, accountsNative } from "./accounts-native.js";

/**
 * User and group names resolved through the C library (getpwnam_r, getgrnam_r,
 * getgrouplist in the daemon's addon), so Open Directory users on macOS and NSS
 * users (LDAP, sssd) on Linux resolve like local ones.
 */
export interface AccountDatabase {
  uidOf(name: string): number | undefined;
  gidOf(name: string): number | undefined;
  /** The user's name, for display. */
  userName(uid: number): string | undefined;
  /** Every group the user is in: primary plus supplementary. */
  groupsOf(uid: number, primaryGid: number): ReadonlySet<number>;
}

export function systemAccounts(native: AccountsNative = accountsNative()): AccountDatabase {
  return {
    uidOf: (name) => native.accountUid(name) ?? undefined,
    gidOf: (name) => native.accountGid(name) ?? undefined,
    groupsOf: (uid, primaryGid) => new Set([primaryGid, ...native.accountGroups(uid, primaryGid)]),
    userName: (uid) => native.accountName(uid) ?? undefined,
  };
}
