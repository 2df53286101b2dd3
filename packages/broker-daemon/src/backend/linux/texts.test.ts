// SPDX-License-Identifier: Apache-2.0
/** The generated texts and parsers, without touching the system. */
import { describe, expect, it } from "vitest";
import { parseIPv4 } from "../../config/ipv4.js";
import { CreateFailure } from "../../core/backend.js";
import { type DnsmasqSpec, dnsmasqConfig, needsDnsmasq } from "./dnsmasq-config.js";
import { planIpv6 } from "./ipv6.js";
import { parseLeases } from "./leases.js";
import { bridgeName, MAX_IFNAME, randomMac, shortId, tableName } from "./names.js";
import { firewallChains } from "./nftables.js";
import { checkReservations } from "./reservations.js";
import { checkStaticSubnet, type Occupant, pickDynamicSubnet, planSubnet, staticSubnet } from "./subnets.js";

const plan = planSubnet({ network: parseIPv4("192.168.100.0") ?? 0, prefix: 24 });

function spec(overrides: Partial<DnsmasqSpec> = {}): DnsmasqSpec {
  return {
    networkName: "shared",
    bridge: "vmbr-shared",
    mode: "shared",
    dhcp: true,
    dns: true,
    ipv4: plan,
    reservations: [],
    files: { conf: "/r/c", pid: "/r/p", leases: "/r/l", log: "/r/g" },
    runAsRoot: false,
    upstreamDns: true,
    ...overrides,
  };
}

describe("names", () => {
  it("keeps short lowercase names and hashes the others within IFNAMSIZ", () => {
    expect(bridgeName("shared")).toBe("vmbr-shared");
    expect(tableName("host")).toBe("vmnet_broker_host");
    const long = bridgeName("My Lab Network!");
    expect(long).toMatch(/^vmbr-mylab[0-9a-f]{5}$/);
    expect(long.length).toBeLessThanOrEqual(MAX_IFNAME);
    expect(shortId("lab-a")).not.toBe(shortId("lab_a"));
  });

  it("makes locally administered unicast MACs", () => {
    for (let i = 0; i < 50; i++) {
      const first = Number.parseInt(randomMac().slice(0, 2), 16);
      expect(first & 0x03).toBe(0x02);
    }
  });
});

describe("subnets", () => {
  it("plans gateway, DHCP range and broadcast", () => {
    expect(plan).toMatchObject({
      gateway: "192.168.100.1",
      mask: "255.255.255.0",
      dhcpFirst: "192.168.100.2",
      dhcpLast: "192.168.100.254",
      dhcpCount: 253,
      broadcast: "192.168.100.255",
    });
  });

  it("picks the first pool /24 that overlaps nothing", () => {
    const occupants: Occupant[] = [
      { subnet: { network: parseIPv4("192.168.96.0") ?? 0, prefix: 21 }, description: "route 192.168.96.0/21" },
      { subnet: { network: parseIPv4("192.168.104.9") ?? 0, prefix: 32 }, description: "address" },
    ];
    expect(pickDynamicSubnet("n", occupants).network).toBe(parseIPv4("192.168.105.0"));
  });

  it("fails with CreateFailure when the pool is exhausted", () => {
    const everything: Occupant[] = [
      { subnet: { network: parseIPv4("192.168.0.0") ?? 0, prefix: 16 }, description: "route 192.168.0.0/16 dev eth9" },
    ];
    expect(() => pickDynamicSubnet("n", everything)).toThrow(CreateFailure);
  });

  it("validates static subnets and names both sides of a clash", () => {
    expect(() => staticSubnet("lab", "192.168.1.0", "255.0.255.0")).toThrow(/network 'lab': subnet 192.168.1.0 mask 255.0.255.0/);
    const subnet = staticSubnet("lab", "192.168.1.0", "255.255.255.0");
    expect(subnet).toEqual({ network: parseIPv4("192.168.1.0"), prefix: 24 });
    const route: Occupant = {
      subnet: { network: parseIPv4("192.168.0.0") ?? 0, prefix: 23 },
      description: "route 192.168.0.0/23 dev eth0",
    };
    expect(() => checkStaticSubnet("lab", subnet!, [route])).toThrow(
      "subnet 192.168.1.0/24 of network 'lab' overlaps route 192.168.0.0/23 dev eth0",
    );
  });

  it("checks DHCP reservations", () => {
    expect(checkReservations("n", plan, [{ mac: "02:AA:00:00:00:01", ip: "192.168.100.50" }])).toEqual([
      { mac: "02:aa:00:00:00:01", ip: "192.168.100.50" },
    ]);
    expect(() => checkReservations("n", plan, [{ mac: "02:aa:00:00:00:01", ip: "192.168.100.1" }])).toThrow(/outside/);
    expect(() => checkReservations("n", plan, [{ mac: "x\ninterface=eth0", ip: "192.168.100.9" }])).toThrow(/not a MAC/);
  });
});

describe("ipv6", () => {
  it("plans the first host of the prefix", () => {
    expect(planIpv6("n", "fd12:3456::/64")).toMatchObject({
      prefix: "fd12:3456::/64",
      gateway: "fd12:3456::1",
      gatewayCidr: "fd12:3456::1/64",
      length: 64,
    });
    expect(planIpv6("n", "2001:db8:0:1:0:0:0:5/48").prefix).toBe("2001:db8::/48");
    // Two equal zero runs: the first one is compressed (RFC 5952).
    expect(planIpv6("n", "fd00:1:0:0:2::/80").gateway).toBe("fd00:1::2:0:0:1");
    expect(() => planIpv6("n", "fd12::zz/64")).toThrow(/network 'n': ipv6Prefix fd12::zz\/64/);
  });
});

describe("firewallChains", () => {
  it("shared: forwards the subnet out, established back in, masquerades except multicast/broadcast, untracks the bridge", () => {
    const chains = firewallChains({ table: "vmnet_broker_shared", bridge: "vmbr-shared", mode: "shared", ipv4: plan });
    const [forward, nat, input, pre, out] = chains;
    expect(chains.map((c) => `${c.name}/${c.hook}/${c.priority}`)).toEqual([
      "forward/forward/0",
      "postrouting/postrouting/100",
      "input/input/0",
      "prerouting/prerouting/-300",
      "output/output/-300",
    ]);
    expect(forward?.rules).toContainEqual({ iifname: "vmbr-shared", saddr: "192.168.100.0/24", action: "accept" });
    expect(forward?.rules).toContainEqual({ oifname: "vmbr-shared", daddr: "192.168.100.0/24", established: true, action: "accept" });
    expect(nat?.rules.slice(0, 2).map((r) => `${r.daddr} ${r.action}`)).toEqual(["224.0.0.0/24 return", "255.255.255.255/32 return"]);
    expect(nat?.rules.at(-1)).toEqual({ saddr: "192.168.100.0/24", notDaddr: "192.168.100.0/24", counter: true, action: "masquerade" });
    expect(input?.rules).toContainEqual({
      notIifnames: ["vmbr-shared", "lo"],
      daddr: "192.168.100.1/32",
      l4proto: 17,
      dport: 53,
      action: "drop",
    });
    expect(pre?.rules.every((r) => r.iifname === "vmbr-shared" && r.action === "notrack")).toBe(true);
    expect(out?.rules.map((r) => r.daddr)).toEqual(["192.168.100.0/24", "224.0.0.0/24", "255.255.255.255/32"]);
  });

  it("host: only bridge-to-bridge, no NAT chain", () => {
    const [forward, ...rest] = firewallChains({ table: "t", bridge: "vmbr-host", mode: "host", ipv4: plan });
    expect(rest.map((c) => c.name)).toEqual(["input", "prerouting", "output"]);
    expect(forward?.rules).toEqual([
      { iifname: "vmbr-host", oifname: "vmbr-host", action: "accept" },
      { iifname: "vmbr-host", counter: true, action: "reject" },
      { oifname: "vmbr-host", counter: true, action: "reject" },
    ]);
  });
});

describe("dnsmasqConfig", () => {
  it("has libvirt's keys, bound to the bridge only", () => {
    const lines = dnsmasqConfig(spec()).split("\n");
    for (const key of [
      "strict-order",
      "except-interface=lo",
      "bind-interfaces",
      "interface=vmbr-shared",
      "dhcp-no-override",
      "dhcp-authoritative",
    ]) {
      expect(lines).toContain(key);
    }
    expect(lines).toContain("dhcp-range=192.168.100.2,192.168.100.254,255.255.255.0,1h");
    expect(lines).toContain("dhcp-lease-max=253");
    expect(lines).toContain("pid-file=/r/p");
    expect(lines).not.toContain("port=0");
    expect(lines).not.toContain("no-resolv");
    expect(lines).not.toContain("dhcp-option=3");
  });

  it("tells DHCP clients an overlay's MTU (option 26), and nothing about the MTU otherwise", () => {
    expect(dnsmasqConfig(spec({ interfaceMtu: 1450 })).split("\n")).toContain("dhcp-option=option:mtu,1450");
    expect(dnsmasqConfig(spec())).not.toContain("option:mtu");
    expect(dnsmasqConfig(spec({ interfaceMtu: 1450, dhcp: false }))).not.toContain("option:mtu");
  });

  it("turns DNS off with port=0, and host mode sends no default route", () => {
    const lines = dnsmasqConfig(spec({ mode: "host", dns: false })).split("\n");
    expect(lines).toContain("port=0");
    expect(lines).toContain("dhcp-option=3");
    expect(lines).toContain("no-resolv");
  });

  it("has no DHCP without dhcp, writes reservations, and keeps its ids in a user namespace", () => {
    expect(dnsmasqConfig(spec({ dhcp: false }))).not.toContain("dhcp-range");
    const text = dnsmasqConfig(spec({ reservations: [{ mac: "02:00:00:00:00:01", ip: "192.168.100.9" }], runAsRoot: true }));
    expect(text).toContain("dhcp-host=02:00:00:00:00:01,192.168.100.9\n");
    expect(text).toContain("user=\ngroup=\n");
  });

  it("asks no upstream resolver in the sandbox", () => {
    expect(dnsmasqConfig(spec({ upstreamDns: false })).split("\n")).toContain("no-resolv");
  });

  it("is only needed for DHCP, DNS or IPv6 router advertisements", () => {
    expect(needsDnsmasq({ dhcp: false, dns: false })).toBe(false);
    expect(needsDnsmasq({ dhcp: true, dns: false })).toBe(true);
  });
});

describe("parseLeases", () => {
  it("reads IPv4 leases and skips IPv6 and junk lines", () => {
    const text = [
      "1790000000 02:aa:bb:cc:dd:ee 192.168.100.23 guest1 01:02:aa:bb:cc:dd:ee",
      "0 02:aa:bb:cc:dd:ef 192.168.100.24 * *",
      "duid 00:01:00:01:2c:aa:bb:cc",
      "1790000000 1234 fd12::5 * 00:01",
      "garbage",
      "",
    ].join("\n");
    expect(parseLeases(text)).toEqual([
      { mac: "02:aa:bb:cc:dd:ee", ip: "192.168.100.23", hostname: "guest1", expiresUnix: 1790000000 },
      { mac: "02:aa:bb:cc:dd:ef", ip: "192.168.100.24", hostname: "", expiresUnix: 0 },
    ]);
  });
});
