// SPDX-License-Identifier: Apache-2.0
/**
 * The table made over nfnetlink, read back by the real nft: the hand-built
 * expressions must mean exactly the intended rules. Also a stale table replaced
 * whole, deletion, listing, and the addon's argument checks.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { linuxNative } from "./native.js";
import { applyFirewall, deleteFirewall, type FirewallSpec, listOurTables } from "./nftables.js";
import { runTool } from "./run-tool.js";
import { planSubnet } from "./subnets.js";
import { TestBed } from "./test-support.test-util.js";

const bed = new TestBed();
beforeEach(() => bed.setUp());
afterEach(() => bed.cleanUp());

const spec: FirewallSpec = {
  table: "vmnet_broker_fw",
  bridge: "vmbr-fw",
  mode: "shared",
  ipv4: planSubnet({ network: (10 << 24) | (9 << 16), prefix: 24 }),
  ipv6: { prefix: "fd00:1:2:3::/64", gateway: "fd00:1:2:3::1", length: 64 },
};

const SHARED = `table inet vmnet_broker_fw {
	chain forward {
		type filter hook forward priority filter; policy accept;
		iifname "vmbr-fw" oifname "vmbr-fw" accept
		iifname "vmbr-fw" ip saddr 10.9.0.0/24 accept
		oifname "vmbr-fw" ip daddr 10.9.0.0/24 ct state established,related accept
		iifname "vmbr-fw" ip6 saddr fd00:1:2:3::/64 accept
		oifname "vmbr-fw" ip6 daddr fd00:1:2:3::/64 ct state established,related accept
		iifname "vmbr-fw" counter packets 0 bytes 0 reject
		oifname "vmbr-fw" counter packets 0 bytes 0 reject
	}

	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr 10.9.0.0/24 ip daddr 224.0.0.0/24 return
		ip saddr 10.9.0.0/24 ip daddr 255.255.255.255 return
		ip saddr 10.9.0.0/24 ip daddr != 10.9.0.0/24 meta l4proto tcp counter packets 0 bytes 0 masquerade to :1024-65535
		ip saddr 10.9.0.0/24 ip daddr != 10.9.0.0/24 meta l4proto udp counter packets 0 bytes 0 masquerade to :1024-65535
		ip saddr 10.9.0.0/24 ip daddr != 10.9.0.0/24 counter packets 0 bytes 0 masquerade
	}

	chain input {
		type filter hook input priority filter; policy accept;
		iifname != "vmbr-fw" iifname != "lo" ip daddr 10.9.0.1 tcp dport 53 drop
		iifname != "vmbr-fw" iifname != "lo" ip daddr 10.9.0.1 udp dport 53 drop
		iifname != "vmbr-fw" iifname != "lo" ip6 daddr fd00:1:2:3::1 tcp dport 53 drop
		iifname != "vmbr-fw" iifname != "lo" ip6 daddr fd00:1:2:3::1 udp dport 53 drop
	}

	chain prerouting {
		type filter hook prerouting priority raw; policy accept;
		iifname "vmbr-fw" ip daddr 10.9.0.0/24 notrack
		iifname "vmbr-fw" ip daddr 224.0.0.0/24 notrack
		iifname "vmbr-fw" ip daddr 255.255.255.255 notrack
		iifname "vmbr-fw" ip6 daddr fd00:1:2:3::/64 notrack
		iifname "vmbr-fw" meta nfproto ipv6 @nh,192,16 & 0xffc0 == 0xfe80 notrack
		iifname "vmbr-fw" ip6 daddr ff02::/16 notrack
	}

	chain output {
		type filter hook output priority raw; policy accept;
		oifname "vmbr-fw" ip daddr 10.9.0.0/24 notrack
		oifname "vmbr-fw" ip daddr 224.0.0.0/24 notrack
		oifname "vmbr-fw" ip daddr 255.255.255.255 notrack
		oifname "vmbr-fw" ip6 daddr fd00:1:2:3::/64 notrack
		oifname "vmbr-fw" meta nfproto ipv6 @nh,192,16 & 0xffc0 == 0xfe80 notrack
		oifname "vmbr-fw" ip6 daddr ff02::/16 notrack
	}
}
`;

const list = () => runTool("nft", ["list", "table", "inet", spec.table]);

describe("applyFirewall", () => {
  it("makes exactly the intended rules (nft reads them back; fe80::/10 prints as raw payload)", async () => {
    applyFirewall(spec);
    expect(await list()).toBe(SHARED);
  });

  it("host mode: no NAT chain, no forwarding off the bridge", async () => {
    applyFirewall({ ...spec, mode: "host", ipv6: undefined } as FirewallSpec);
    const table = await list();
    expect(table).not.toContain("postrouting");
    expect(table).not.toContain("ip saddr");
    expect(table).toContain('iifname "vmbr-fw" counter packets 0 bytes 0 reject');
  });

  it("replaces a stale table of the same name instead of adding to it", async () => {
    const stale = "table inet vmnet_broker_fw {\n  chain stale_chain {\n    ip saddr 10.99.0.0/16 drop\n  }\n}\n";
    await runTool("nft", ["-f", "-"], { input: stale });
    applyFirewall(spec);
    applyFirewall(spec);
    expect(await list()).toBe(SHARED);
  });

  it("lists only our tables, deletes one, and a missing one is fine", async () => {
    await runTool("nft", ["add", "table", "inet", "someone_else"]);
    applyFirewall(spec);
    expect(listOurTables()).toEqual(["vmnet_broker_fw"]);
    deleteFirewall(spec.table);
    deleteFirewall(spec.table);
    expect(listOurTables()).toEqual([]);
    expect(() => linuxNative().nftDeleteTable(spec.table)).toThrow(/NFT_MSG_DELTABLE vmnet_broker_fw failed: ENOENT/);
  });

  it("validates its arguments and names the refused message", () => {
    const native = linuxNative();
    expect(() => native.nftCreateTable("bad name", [], false)).toThrow(TypeError);
    const chain = { name: "c", type: "filter", hook: "forward", priority: 0 } as const;
    expect(() => native.nftCreateTable("t", [{ ...chain, rules: [{ saddr: "10.0.0.0/33", action: "accept" }] }], false)).toThrow(
      /bad prefix/,
    );
    expect(() =>
      native.nftCreateTable("t", [{ ...chain, rules: [{ saddr: "10.0.0.0/8", daddr: "fd00::/8", action: "accept" }] }], false),
    ).toThrow(/one family/);
    // A masquerade outside a nat chain is refused by the kernel, naming the rule.
    expect(() => native.nftCreateTable("t", [{ ...chain, rules: [{ action: "masquerade" }] }], false)).toThrow(
      /NFT_MSG_NEWRULE t c #1 failed: EOPNOTSUPP/,
    );
    expect(listOurTables()).toEqual([]);
  });
});
