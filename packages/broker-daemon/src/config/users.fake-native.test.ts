// SPDX-License-Identifier: Apache-2.0
// systemAccounts over a fake addon: what each look-up answers for known and
// unknown names, and that the primary group always counts.
import { describe, expect, it } from "vitest";
import type { AccountsNative } from "./accounts-native.js";
import { systemAccounts } from "./users.js";

const native: AccountsNative = {
  accountUid: (name) => ({ alice: 1000, root: 0 })[name] ?? null,
  accountGid: (name) => ({ vm: 500, wheel: 0 })[name] ?? null,
  accountName: (uid) => ({ 1000: "alice", 0: "root" })[uid] ?? null,
  accountGroups: (uid) => (uid === 1000 ? [500, 20] : []),
};

describe("systemAccounts over the addon's look-ups", () => {
  const accounts = systemAccounts(native);

  it("answers the uid and gid of known names, including 0", () => {
    expect(accounts.uidOf("alice")).toBe(1000);
    expect(accounts.uidOf("root")).toBe(0);
    expect(accounts.gidOf("vm")).toBe(500);
    expect(accounts.gidOf("wheel")).toBe(0);
  });

  it("answers undefined, not null, for names and uids no source knows", () => {
    expect(accounts.uidOf("mallory")).toBeUndefined();
    expect(accounts.gidOf("nogroup")).toBeUndefined();
    expect(accounts.userName(4242)).toBeUndefined();
  });

  it("names users by uid", () => {
    expect(accounts.userName(1000)).toBe("alice");
    expect(accounts.userName(0)).toBe("root");
  });

  it("counts the primary group and every supplementary one", () => {
    expect([...accounts.groupsOf(1000, 1000)].sort((a, b) => a - b)).toEqual([20, 500, 1000]);
    expect([...accounts.groupsOf(4242, 77)]).toEqual([77]);
  });
});
