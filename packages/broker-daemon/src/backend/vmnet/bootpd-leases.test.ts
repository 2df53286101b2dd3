// SPDX-License-Identifier: Apache-2.0
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { normalizeHardwareAddress, parseBootpdLeases } from "./bootpd-leases.js";

const sample = readFileSync(join(import.meta.dirname, "testdata/dhcpd_leases"), "utf8");

describe("bootpd lease file", () => {
  it("reads every Ethernet block, expired ones included, with bootpd's dropped zeros restored", () => {
    expect(parseBootpdLeases(sample)).toEqual([
      { mac: "52:54:00:12:34:56", ip: "192.168.64.2", hostname: "ubuntu", expiresUnix: 0x7fffffff },
      // A client identifier of type ff (RFC 4361) does not hide the hardware address.
      { mac: "0a:00:27:00:00:0b", ip: "192.168.64.3", hostname: "fedora", expiresUnix: 0x6567a1b2 },
      { mac: "52:54:00:ab:cd:ef", ip: "192.168.64.4", hostname: "renewed", expiresUnix: 0x7ffffff0 },
      { mac: "52:54:00:00:00:01", ip: "192.168.65.2", hostname: "other-net", expiresUnix: 0x7fffffff },
    ]);
  });

  it("sees a renewal as the same MAC with a later lease", () => {
    const renewed = sample.replace("lease=0x7ffffff0", "lease=0x7ffffffe");
    const lease = parseBootpdLeases(renewed).find((l) => l.mac === "52:54:00:ab:cd:ef");
    expect(lease?.expiresUnix).toBe(0x7ffffffe);
  });

  it("skips unterminated blocks and stray lines", () => {
    expect(parseBootpdLeases("ip_address=1.2.3.4\n{\n\tip_address=192.168.64.5\n\thw_address=1,52:54:0:0:0:5\n\tlease=0x1\n")).toEqual([]);
    expect(parseBootpdLeases("")).toEqual([]);
  });

  it("normalizes hardware addresses of type 1 only", () => {
    expect(normalizeHardwareAddress("1,A:B:C:D:E:F")).toBe("0a:0b:0c:0d:0e:0f");
    expect(normalizeHardwareAddress("1,52:54:0:0:0")).toBeUndefined();
    expect(normalizeHardwareAddress("6,52:54:0:0:0:1")).toBeUndefined();
    expect(normalizeHardwareAddress("52:54:0:0:0:1")).toBeUndefined();
    expect(normalizeHardwareAddress("1,52:54:0:0:0:123")).toBeUndefined();
  });
});
