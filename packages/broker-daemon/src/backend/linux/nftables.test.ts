// SPDX-License-Identifier: Apache-2.0
/**
 * The table made over nfnetlink, read back by the real nft: the hand-built
 * expressions must mean exactly the intended rules. Also a stale table replaced
 * whole, deletion, listing, and the addon's argument checks.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { linuxNative } from "./native.js";
import type { NftRule } from "./native-surface.js";
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
const chain = (name: string) => runTool("nft", ["list", "chain", "inet", spec.table, name]);
const chainText = (name: string, head: string, rules: string[]) =>
  `table inet vmnet_broker_fw {\n\tchain ${name} {\n\t\t${head}\n${rules.map((r) => `\t\t${r}\n`).join("")}\t}\n}\n`;

const forwarding: FirewallSpec = {
  ...spec,
  forwards: [
    { protocol: "tcp", externalPort: 8080, internalAddress: "10.9.0.10", internalPort: 80 },
    { protocol: "udp", externalPort: 5353, internalAddress: "fd00:1:2:3::10", internalPort: 53 },
  ],
};

describe("applyFirewall", () => {
  it("makes exactly the intended rules (nft reads them back; fe80::/10 prints as raw payload)", async () => {
    applyFirewall(spec);
    expect(await list()).toBe(SHARED);
  });

  it("port forwards: DNAT for local addresses (prerouting and output), entry to the bridge, hairpin and loopback masquerade, tracked replies, loopback guard", async () => {
    applyFirewall(forwarding);
    const dnat = [
      "meta nfproto ipv4 fib daddr type local tcp dport 8080 counter packets 0 bytes 0 dnat ip to 10.9.0.10:80",
      "meta nfproto ipv6 fib daddr type local udp dport 5353 counter packets 0 bytes 0 dnat ip6 to [fd00:1:2:3::10]:53",
    ];
    expect(await chain("dstnat")).toBe(chainText("dstnat", "type nat hook prerouting priority dstnat; policy accept;", dnat));
    expect(await chain("dstnat_local")).toBe(chainText("dstnat_local", "type nat hook output priority -100; policy accept;", dnat));
    const table = await list();
    const lines = (from: string, to: string) =>
      table
        .slice(table.indexOf(from), table.indexOf(to))
        .trim()
        .split("\n")
        .map((l) => l.trim());
    expect(lines('oifname "vmbr-fw" ip6 daddr fd00:1:2:3::/64 ct state', 'iifname "vmbr-fw" counter')).toEqual([
      'oifname "vmbr-fw" ip6 daddr fd00:1:2:3::/64 ct state established,related accept',
      'oifname "vmbr-fw" ip daddr 10.9.0.10 tcp dport 80 ct status dnat accept',
      'oifname "vmbr-fw" ip6 daddr fd00:1:2:3::10 udp dport 53 ct status dnat accept',
    ]);
    expect(lines('oifname "vmbr-fw" ip saddr 127', "ip saddr 10.9.0.0/24 ip daddr 224")).toEqual([
      'oifname "vmbr-fw" ip saddr 127.0.0.0/8 counter packets 0 bytes 0 masquerade',
      'oifname "vmbr-fw" ip saddr 10.9.0.0/24 ct status dnat counter packets 0 bytes 0 masquerade',
      'oifname "vmbr-fw" ip6 saddr fd00:1:2:3::/64 ct status dnat counter packets 0 bytes 0 masquerade',
    ]);
    expect(lines('iifname "vmbr-fw" ip daddr 127', 'iifname "vmbr-fw" ip daddr 10.9.0.0/24 notrack')).toEqual([
      'iifname "vmbr-fw" ip daddr 127.0.0.0/8 counter packets 0 bytes 0 drop',
      'iifname "vmbr-fw" ip saddr 127.0.0.0/8 counter packets 0 bytes 0 drop',
      'iifname "vmbr-fw" ip daddr 10.9.0.1 tcp dport 8080 accept',
      'iifname "vmbr-fw" ip saddr 10.9.0.10 ip daddr 10.9.0.1 tcp sport 80 accept',
      'iifname "vmbr-fw" ip6 daddr fd00:1:2:3::1 udp dport 5353 accept',
      'iifname "vmbr-fw" ip6 saddr fd00:1:2:3::10 ip6 daddr fd00:1:2:3::1 udp sport 53 accept',
    ]);
  });

  it("port forwards without IPv4 targets need no loopback rules; none at all in host mode", async () => {
    const v6only = forwarding.forwards?.filter((f) => f.internalAddress.includes(":")) ?? [];
    applyFirewall({ ...forwarding, forwards: v6only });
    const table = await list();
    expect(table).not.toContain("127.0.0.0/8");
    expect(table).toContain("dnat ip6 to [fd00:1:2:3::10]:53");
    expect(table).not.toContain("dnat ip ");
    deleteFirewall(spec.table);
    applyFirewall({ ...forwarding, mode: "host" });
    expect(await list()).not.toMatch(/dnat|dstnat|127\.0\.0/);
  });

  it("loads the most forwards a file may hold (256: a batch of about 800 KB and 1300 rules) in one transaction", async () => {
    const forwards = Array.from({ length: 256 }, (_, i) => ({
      protocol: i % 2 === 0 ? ("tcp" as const) : ("udp" as const),
      externalPort: 10_000 + i,
      internalAddress: i % 4 === 3 ? "fd00:1:2:3::10" : "10.9.0.10",
      internalPort: 80,
    }));
    applyFirewall({ ...spec, forwards });
    const dnat = await chain("dstnat");
    expect(dnat.match(/dnat ip6? to/g)).toHaveLength(256);
    expect(dnat).toContain("udp dport 10255 counter packets 0 bytes 0 dnat ip6 to [fd00:1:2:3::10]:80");
    expect((await list()).match(/ct status dnat accept/g)).toHaveLength(256);
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
    const dnat = { l4proto: 6, action: "dnat", toAddress: "10.0.0.2", toPort: 80 } as const;
    const nat = { name: "n", type: "nat", hook: "prerouting", priority: -100 } as const;
    for (const [rule, problem] of [
      [{ ...dnat, toAddress: "10.0.0" }, /dnat needs toAddress/],
      [{ ...dnat, toPort: 0 }, /dnat needs toPort 1-65535/],
      [{ ...dnat, l4proto: 1 }, /dnat needs l4proto tcp or udp/],
      [{ ...dnat, daddr: "fd00::/64" }, /toAddress must be of the rule's family/],
      [{ action: "accept", toPort: 80 }, /toAddress\/toPort: dnat only/],
      [{ action: "accept", sport: 80 }, /sport needs l4proto/],
      [{ action: "accept", l4proto: 6, sport: 65536 }, /sport must be 0-65535/],
    ] as const) {
      expect(() => native.nftCreateTable("t", [{ ...nat, rules: [rule] }], false)).toThrow(problem);
    }
    // A refused rule deep in a long batch is still named: every later rule of its
    // chain is refused too, and their errors must not crowd the first one out.
    const long = Array.from({ length: 2000 }, (_, i): NftRule => (i === 1500 ? { action: "masquerade" } : { action: "accept" }));
    expect(() => native.nftCreateTable("t", [{ ...chain, rules: long }], false)).toThrow(/NFT_MSG_NEWRULE t c #1501 failed: EOPNOTSUPP/);
    // DNAT outside a nat chain is refused by the kernel.
    expect(() => native.nftCreateTable("t", [{ ...chain, rules: [dnat] }], false)).toThrow(/NFT_MSG_NEWRULE t c #1 failed: EOPNOTSUPP/);
    expect(listOurTables()).toEqual([]);
  });
});
