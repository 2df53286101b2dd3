// SPDX-License-Identifier: Apache-2.0
// The real account reader: the addon's getpwnam_r/getgrnam_r/getgrouplist, not a
// fake. A user and two groups made for this run (useradd/groupadd, removed after)
// prove that supplementary groups are matched; root's entries are checked
// against getent/id, which ask the same NSS sources.
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemAccounts } from "./users.js";

const run = (file: string, ...args: string[]) => execFileSync(file, args, { encoding: "utf8" }).trim();
const isRoot = process.geteuid?.() === 0;
const suffix = `${process.pid % 100000}`;
const user = `vbtest-u${suffix}`;
const primary = `vbtest-p${suffix}`;
const supplementary = `vbtest-s${suffix}`;

describe("systemAccounts", () => {
  it("resolves root and its groups as getent and id do", () => {
    const accounts = systemAccounts();
    expect(accounts.uidOf("root")).toBe(0);
    expect(accounts.gidOf("root")).toBe(Number(run("getent", "group", "root").split(":")[2]));
    const expected = run("id", "-G", "root").split(/\s+/).map(Number);
    expect([...accounts.groupsOf(0, 0)].sort()).toEqual([...new Set(expected)].sort());
  });

  it("answers undefined for names no account source knows", () => {
    const accounts = systemAccounts();
    expect(accounts.uidOf("vbtest-nobody-here")).toBeUndefined();
    expect(accounts.gidOf("vbtest-nobody-here")).toBeUndefined();
    expect([...accounts.groupsOf(2_147_000_000, 4242)]).toEqual([4242]);
  });

  describe.runIf(isRoot)("with a user made for this test", () => {
    beforeAll(() => {
      run("groupadd", primary);
      run("groupadd", supplementary);
      run("useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", "-g", primary, "-G", supplementary, user);
    });
    afterAll(() => {
      for (const [file, name] of [
        ["userdel", user],
        ["groupdel", supplementary],
        ["groupdel", primary],
      ] as const) {
        try {
          run(file, name);
        } catch {
          // not created: nothing to remove
        }
      }
    });

    it("matches the user's supplementary groups, not only its primary group", () => {
      const accounts = systemAccounts();
      const uid = accounts.uidOf(user);
      const primaryGid = accounts.gidOf(primary);
      const supplementaryGid = accounts.gidOf(supplementary);
      expect(uid).toBe(Number(run("id", "-u", user)));
      expect(primaryGid).toBe(Number(run("id", "-g", user)));
      expect(supplementaryGid).toBeDefined();
      expect([...accounts.groupsOf(uid as number, primaryGid as number)].sort()).toEqual([primaryGid, supplementaryGid].sort());
    });
  });
});
