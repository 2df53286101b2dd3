import { readFileSync } from "node:fs";

/**
 * User and group names resolved from /etc/passwd and /etc/group (the files, so no
 * native NSS binding is needed; directory services are not consulted).
 */
export interface AccountDatabase {
  uidOf(name: string): number | undefined;
  gidOf(name: string): number | undefined;
  /** The user's name, for display. */
  userName(uid: number): string | undefined;
  /** Every group the user is in: primary plus supplementary. */
  groupsOf(uid: number, primaryGid: number): ReadonlySet<number>;
}

function readTable(path: string): string[][] {
  try {
    return readFileSync(path, "utf8")
      .split("\n")
      .filter((line) => line && !line.startsWith("#"))
      .map((line) => line.split(":"));
  } catch {
    return [];
  }
}

export function systemAccounts(passwdPath = "/etc/passwd", groupPath = "/etc/group"): AccountDatabase {
  const users = readTable(passwdPath);
  const groups = readTable(groupPath);
  const uidByName = new Map(users.map((f) => [f[0] ?? "", Number(f[2])]));
  const nameByUid = new Map(users.map((f) => [Number(f[2]), f[0] ?? ""]));
  const gidByName = new Map(groups.map((f) => [f[0] ?? "", Number(f[2])]));
  return {
    uidOf: (name) => uidByName.get(name),
    gidOf: (name) => gidByName.get(name),
    userName: (uid) => nameByUid.get(uid),
    groupsOf(uid, primaryGid) {
      const result = new Set([primaryGid]);
      const name = nameByUid.get(uid);
      if (name === undefined) return result;
      for (const g of groups) {
        if ((g[3] ?? "").split(",").includes(name)) result.add(Number(g[2]));
      }
      return result;
    },
  };
}
