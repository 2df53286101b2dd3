// SPDX-License-Identifier: Apache-2.0
import { linuxNative } from "../backend/linux/native.js";
import { darwinNative } from "../transport/xpc/darwin-native.js";

/** The addon's account look-ups (native/src/common/accounts.cc), on every OS. */
export interface AccountsNative {
  /** getpwnam_r: the user's uid, or null when no account source knows the name. */
  accountUid(name: string): number | null;
  /** getgrnam_r: the group's gid, or null. */
  accountGid(name: string): number | null;
  /** getpwuid_r: the user's name, or null when no account source knows the uid. */
  accountName(uid: number): string | null;
  /** getpwuid_r + getgrouplist: every gid the user is in, primaryGid included. */
  accountGroups(uid: number, primaryGid: number): number[];
}

/** The addon, loaded by the current OS's loader. */
export function accountsNative(): AccountsNative {
  return process.platform === "darwin" ? darwinNative() : linuxNative();
}
