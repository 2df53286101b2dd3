// SPDX-License-Identifier: Apache-2.0
// Small config helpers at their edges: the admin group as a name or a gid, how
// much of a bad value an error shows, which subnets overlap.
import { describe, expect, it } from "vitest";
import { testAccounts } from "../core/fake-backend.test-util.js";
import { quote } from "./field-limits.js";
import { groupId } from "./group-id.js";
import { parseIPv4, subnetsOverlap } from "./ipv4.js";
import { DEFAULT_CONFIG_DIR } from "./load.js";

describe("groupId", () => {
  it("takes digits as a gid without a look-up, and anything else as a name", () => {
    const looked: string[] = [];
    const accounts = { ...testAccounts, gidOf: (name: string) => (looked.push(name), testAccounts.gidOf(name)) };
    expect(groupId("1234", accounts)).toBe(1234);
    expect(groupId("0", accounts)).toBe(0);
    expect(looked).toEqual([]);
    expect(groupId("vm", accounts)).toBe(500);
    expect(groupId("12vm", accounts)).toBeUndefined();
    expect(groupId("vm12", accounts)).toBeUndefined();
    expect(looked).toEqual(["vm", "12vm", "vm12"]);
  });
});

describe("quote", () => {
  it("shows 40 characters whole and cuts anything longer", () => {
    expect(quote("q".repeat(40))).toBe(`"${"q".repeat(40)}"`);
    expect(quote("q".repeat(41))).toBe(`"${"q".repeat(40)}"...`);
    expect(quote(12)).toBe('"12"');
  });
});

describe("subnetsOverlap", () => {
  const net = (a: string, prefix: number) => ({ network: parseIPv4(a) as number, prefix });
  it("compares the longer prefix against the shorter one, in either order", () => {
    expect(subnetsOverlap(net("10.20.0.0", 24), net("11.0.0.0", 8))).toBe(false);
    expect(subnetsOverlap(net("11.0.0.0", 8), net("10.20.0.0", 24))).toBe(false);
    expect(subnetsOverlap(net("11.0.0.0", 8), net("11.20.0.0", 24))).toBe(true);
    expect(subnetsOverlap(net("11.20.0.0", 24), net("11.0.0.0", 8))).toBe(true);
  });
});

describe("DEFAULT_CONFIG_DIR", () => {
  it("is where the documentation and packages put network files", () => {
    expect(DEFAULT_CONFIG_DIR).toBe("/etc/vmnet-broker.d");
  });
});
