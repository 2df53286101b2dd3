// SPDX-License-Identifier: Apache-2.0
// Static subnets that overlap: the later file loses, and the message names both
// files, both networks and both subnets.
import { describe, expect, it } from "vitest";
import { formatSubnet, maskFromPrefix, parseIPv4, prefixLength, subnetContains, subnetsOverlap } from "./ipv4.js";
import type { NetworkConfig } from "./network-config.js";
import { findOverlaps } from "./overlaps.js";

const net = (name: string, subnet?: string, mask?: string): NetworkConfig => ({
  name,
  description: "",
  mode: "shared",
  mtu: 1500,
  dhcp: true,
  dns: true,
  dhcpReservations: [],
  nat44: true,
  nat66: true,
  routerAdvertisement: true,
  portForwarding: [],
  source: `/etc/vmnet-broker.d/${name}.json`,
  ...(subnet !== undefined ? { subnet } : {}),
  ...(mask !== undefined ? { mask } : {}),
});

describe("findOverlaps", () => {
  it("drops the later of two overlapping networks, naming both", () => {
    const a = net("a", "10.20.0.0", "255.255.0.0");
    const b = net("b", "10.20.5.0", "255.255.255.0");
    expect(findOverlaps([a, b])).toEqual([
      {
        kept: a,
        dropped: b,
        message:
          "/etc/vmnet-broker.d/b.json: subnet 10.20.5.0/24 of 'b' overlaps 10.20.0.0/16 of 'a' (/etc/vmnet-broker.d/a.json); 'b' is not offered",
      },
    ]);
  });

  it("compares later networks only with those kept, and ignores dynamic ones", () => {
    const a = net("a", "10.1.0.0", "255.255.255.0");
    const b = net("b", "10.1.0.0", "255.255.0.0");
    const c = net("c", "10.1.128.0", "255.255.255.0");
    const d = net("d", "10.2.0.0", "255.255.255.0");
    const overlaps = findOverlaps([net("dyn1"), a, b, net("dyn2"), c, d]);
    expect(overlaps.map((o) => [o.dropped.name, o.kept.name])).toEqual([["b", "a"]]);
    expect(findOverlaps([net("x"), net("y")])).toEqual([]);
  });

  it("skips a subnet without a usable mask", () => {
    expect(findOverlaps([net("a", "10.1.0.0", "255.0.255.0"), net("b", "10.1.0.0", "255.255.255.0")])).toEqual([]);
    expect(findOverlaps([net("a", "10.1.0.0"), net("b", "10.1.0.0", "255.255.255.0")])).toEqual([]);
  });
});

describe("ipv4 edges", () => {
  it("handles /0 and /32 masks and the ends of the address space", () => {
    expect(maskFromPrefix(0)).toBe(0);
    expect(maskFromPrefix(32)).toBe(0xffffffff);
    expect(maskFromPrefix(1)).toBe(0x80000000);
    expect(prefixLength(0)).toBe(0);
    expect(prefixLength(0xffffffff)).toBe(32);
    expect(parseIPv4("255.255.255.255")).toBe(0xffffffff);
    expect(parseIPv4("0.0.0.0")).toBe(0);
    expect(parseIPv4("1.2.3.4.5")).toBeUndefined();
    expect(parseIPv4("1.2.3.1234")).toBeUndefined();
    expect(parseIPv4("1.2.3.0")).toBe(0x01020300);
  });

  it("tells whether an address is in a subnet, and formats subnets", () => {
    const s = { network: parseIPv4("192.168.4.0")!, prefix: 22 };
    expect(subnetContains(s, parseIPv4("192.168.7.255")!)).toBe(true);
    expect(subnetContains(s, parseIPv4("192.168.8.0")!)).toBe(false);
    expect(subnetContains(s, parseIPv4("192.168.3.255")!)).toBe(false);
    expect(formatSubnet(s)).toBe("192.168.4.0/22");
    expect(subnetsOverlap({ network: parseIPv4("10.20.0.0")!, prefix: 24 }, { network: parseIPv4("10.0.0.0")!, prefix: 8 })).toBe(true);
    expect(subnetsOverlap({ network: parseIPv4("10.0.0.0")!, prefix: 24 }, { network: parseIPv4("10.0.0.0")!, prefix: 24 })).toBe(true);
  });
});
