// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from "vitest";
import { parseIpv6Neighbours } from "./neighbours.js";

const table = JSON.stringify([
  { dst: "fe80::5054:ff:fe16:1601", lladdr: "52:54:00:16:16:01", state: ["STALE"] },
  { dst: "fd00:1::5054:ff:fe16:1601", lladdr: "52:54:00:16:16:01", state: ["REACHABLE"] },
  { dst: "fd00:1::99", lladdr: "52:54:00:16:16:01", state: ["FAILED"] },
  { dst: "fe80::1", lladdr: "52:54:00:99:99:99", state: ["STALE"] },
  { dst: "fd00:1::7", state: ["INCOMPLETE"] },
]);

describe("parseIpv6Neighbours", () => {
  it("keeps the resolved addresses of that MAC only", () => {
    expect(parseIpv6Neighbours(table, "52:54:00:16:16:01")).toEqual(["fe80::5054:ff:fe16:1601", "fd00:1::5054:ff:fe16:1601"]);
    expect(parseIpv6Neighbours(table, "52:54:00:00:00:00")).toEqual([]);
  });

  it("reads nothing from output that is not a table", () => {
    expect(parseIpv6Neighbours("", "52:54:00:16:16:01")).toEqual([]);
    expect(parseIpv6Neighbours('{"dst": "fe80::1"}', "52:54:00:16:16:01")).toEqual([]);
  });
});
