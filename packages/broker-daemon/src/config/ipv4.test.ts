// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from "vitest";
import { formatIPv4, maskFromPrefix, networkAddressOf, parseIPv4, prefixLength, subnetsOverlap } from "./ipv4.js";

describe("ipv4", () => {
  it("parses and formats dotted quads", () => {
    expect(parseIPv4("192.168.1.254")).toBe(0xc0a801fe);
    expect(formatIPv4(0xc0a801fe)).toBe("192.168.1.254");
    for (const bad of ["1.2.3", "1.2.3.256", "01.2.3.4", "a.b.c.d", " 1.2.3.4", ""]) expect(parseIPv4(bad)).toBeUndefined();
  });
  it("turns masks into prefixes and back", () => {
    expect(prefixLength(parseIPv4("255.255.255.0")!)).toBe(24);
    expect(prefixLength(parseIPv4("255.255.0.255")!)).toBeUndefined();
    expect(formatIPv4(maskFromPrefix(20))).toBe("255.255.240.0");
  });
  it("takes a subnet as its network address or as the host's (first usable) address", () => {
    const mask = parseIPv4("255.255.255.0")!;
    expect(networkAddressOf(parseIPv4("192.168.42.0")!, mask)).toBe(parseIPv4("192.168.42.0"));
    expect(networkAddressOf(parseIPv4("192.168.42.1")!, mask)).toBe(parseIPv4("192.168.42.0"));
    expect(networkAddressOf(parseIPv4("192.168.42.5")!, mask)).toBeUndefined();
    expect(networkAddressOf(parseIPv4("192.168.96.1")!, parseIPv4("255.255.240.0")!)).toBe(parseIPv4("192.168.96.0"));
  });
  it("detects overlapping subnets", () => {
    const net = (a: string, prefix: number) => ({ network: parseIPv4(a)!, prefix });
    expect(subnetsOverlap(net("10.0.0.0", 8), net("10.20.0.0", 24))).toBe(true);
    expect(subnetsOverlap(net("10.20.0.0", 24), net("10.20.1.0", 24))).toBe(false);
  });
});
