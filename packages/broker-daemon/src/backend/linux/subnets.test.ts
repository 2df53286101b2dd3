// SPDX-License-Identifier: Apache-2.0
/** namespaceOccupants (rtnetlink, in the addon) against what `ip -j` shows, in a fresh namespace. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runTool } from "./run-tool.js";
import { namespaceOccupants } from "./subnets.js";
import { TestBed } from "./test-support.test-util.js";

const bed = new TestBed();
beforeEach(() => bed.setUp());
afterEach(() => bed.cleanUp());

/** The same descriptions, built from `ip -j -4` output. */
async function fromIp(): Promise<string[]> {
  const routes = JSON.parse(await runTool("ip", ["-j", "-4", "route", "show", "table", "all"])) as {
    dst: string;
    dev?: string;
    type?: string;
    protocol?: string;
  }[];
  const links = JSON.parse(await runTool("ip", ["-j", "-4", "addr", "show"])) as {
    ifname: string;
    addr_info: { local: string; prefixlen: number }[];
  }[];
  const described = routes
    .filter((route) => route.dst !== "default")
    // An address's own local and broadcast routes (in its subnet) are left out.
    .filter((route) => !(route.protocol === "kernel" && (route.type === "local" || route.type === "broadcast")))
    .map((route) => `route ${route.dst.includes("/") ? route.dst : `${route.dst}/32`}${route.dev ? ` dev ${route.dev}` : ""}`);
  for (const link of links) {
    for (const info of link.addr_info) described.push(`address ${info.local}/${info.prefixlen} on ${link.ifname}`);
  }
  return described;
}

describe("namespaceOccupants", () => {
  it("lists every address and the routes of every table, as ip shows them", async () => {
    await runTool("ip", ["-batch", "-"], {
      input: [
        "link add occ0 type veth peer name occ1",
        "addr add 10.50.0.1/16 dev occ0",
        "link set occ0 up",
        "link set occ1 up",
        "route add 10.60.0.0/16 dev occ0 table 100",
        "route add blackhole 10.70.0.0/16",
        "route add local 10.80.0.0/16 dev lo table local",
        "route add default dev occ0",
        "",
      ].join("\n"),
    });
    const described = (await namespaceOccupants()).map((occupant) => occupant.description);
    expect(described).toEqual(
      expect.arrayContaining([
        "route 10.60.0.0/16 dev occ0",
        "route 10.70.0.0/16",
        "route 10.80.0.0/16 dev lo",
        "address 10.50.0.1/16 on occ0",
      ]),
    );
    expect(described.some((text) => text.startsWith("route 0.0.0.0"))).toBe(false);
    expect(described).not.toContain("route 10.50.0.1/32 dev occ0");
    expect([...described].sort()).toEqual((await fromIp()).sort());
  });
});
