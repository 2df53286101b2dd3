// SPDX-License-Identifier: Apache-2.0
/** createBridge through the addon's rtnetlink calls, checked with `ip -j -d` (fresh namespace). */
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createBridge } from "./bridge.js";
import { planIpv6 } from "./ipv6.js";
import { linuxNative } from "./native.js";
import { runTool } from "./run-tool.js";
import { planSubnet } from "./subnets.js";
import { linkNames, TestBed } from "./test-support.test-util.js";

const bed = new TestBed();
beforeEach(() => bed.setUp());
afterEach(() => bed.cleanUp());

interface BridgeJson {
  mtu: number;
  flags: string[];
  linkinfo: { info_kind: string; info_data: { stp_state: number; forward_delay: number } };
  addr_info: { family: string; local: string; prefixlen: number; broadcast?: string; nodad?: boolean }[];
}

const ipv4 = planSubnet({ network: (10 << 24) | (33 << 16), prefix: 24 });

describe("createBridge", () => {
  it("makes an up bridge without STP or forward delay, with its MTU and both gateway addresses", async () => {
    createBridge({ name: "vmbr-nl", mtu: 1400, ipv4, ipv6: planIpv6("nl", "fd00:33::/64") });
    const [bridge] = JSON.parse(await runTool("ip", ["-j", "-d", "addr", "show", "dev", "vmbr-nl"])) as BridgeJson[];
    expect(bridge?.linkinfo.info_kind).toBe("bridge");
    expect(bridge?.linkinfo.info_data).toMatchObject({ stp_state: 0, forward_delay: 0 });
    expect(bridge?.mtu).toBe(1400);
    expect(bridge?.flags).toContain("UP");
    expect(bridge?.addr_info).toContainEqual(
      expect.objectContaining({ family: "inet", local: "10.33.0.1", prefixlen: 24, broadcast: "10.33.0.255" }),
    );
    expect(bridge?.addr_info).toContainEqual(expect.objectContaining({ family: "inet6", local: "fd00:33::1", prefixlen: 64, nodad: true }));
  });

  it("gives a bridge without an IPv6 prefix no IPv6 at all (no link-local, no routes)", async () => {
    createBridge({ name: "vmbr-v4", mtu: 1500, ipv4 });
    expect(readFileSync("/proc/sys/net/ipv6/conf/vmbr-v4/disable_ipv6", "utf8").trim()).toBe("1");
    const [bridge] = JSON.parse(await runTool("ip", ["-j", "addr", "show", "dev", "vmbr-v4"])) as BridgeJson[];
    expect(bridge?.addr_info.map((a) => a.family)).toEqual(["inet"]);
    expect(await runTool("ip", ["-6", "route", "show", "table", "all", "dev", "vmbr-v4"])).toBe("");
  });

  it("names RTM_NEWLINK when the name is taken, and leaves the other link alone", async () => {
    await runTool("ip", ["link", "add", "vmbr-taken", "type", "bridge"]);
    expect(() => createBridge({ name: "vmbr-taken", mtu: 1500, ipv4 })).toThrow(/RTM_NEWLINK bridge vmbr-taken failed: EEXIST/);
    // The failure path deletes the half-made bridge: here that is the one that was there.
    expect(await linkNames()).not.toContain("vmbr-taken");
  });

  it("names RTM_NEWADDR and the address when the address cannot be added", () => {
    expect(() => linuxNative().addAddress("lo", "10.33.0.1", 33, "")).toThrow(/prefix must be an integer in \[0, 32\]/);
    linuxNative().addAddress("lo", "10.44.0.1", 24, "");
    expect(() => linuxNative().addAddress("lo", "10.44.0.1", 24, "")).toThrow(/RTM_NEWADDR 10\.44\.0\.1\/24 on lo failed: EEXIST/);
  });
});
