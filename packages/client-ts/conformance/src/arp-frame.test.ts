// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from "vitest";
import { arpReplySender, arpRequest, formatIpv4, parseIpv4, randomGuestMac } from "./arp-frame.js";

const ours = Buffer.from([0x02, 0, 0, 0, 0, 1]);

function reply(to: Buffer, fromIp: string): Buffer {
  const frame = arpRequest(Buffer.from([0x52, 0x54, 0, 0, 0, 9]), "0.0.0.0");
  to.copy(frame, 0);
  frame.writeUInt16BE(2, 14 + 6);
  parseIpv4(fromIp).copy(frame, 14 + 14);
  to.copy(frame, 14 + 18);
  return frame;
}

describe("ARP frames", () => {
  it("builds a broadcast who-has request for the target", () => {
    const frame = arpRequest(ours, "192.168.105.1");
    expect(frame.length).toBe(42);
    expect([...frame.subarray(0, 6)]).toEqual([255, 255, 255, 255, 255, 255]);
    expect(frame.readUInt16BE(12)).toBe(0x0806);
    expect(frame.readUInt16BE(20)).toBe(1);
    expect(frame.subarray(22, 28).equals(ours)).toBe(true);
    expect(formatIpv4(frame.subarray(38, 42))).toBe("192.168.105.1");
  });

  it("recognises a reply addressed to us and ignores others", () => {
    expect(arpReplySender(reply(ours, "192.168.105.1"), ours)).toBe("192.168.105.1");
    expect(arpReplySender(reply(Buffer.from([2, 9, 9, 9, 9, 9]), "192.168.105.1"), ours)).toBeUndefined();
    expect(arpReplySender(arpRequest(ours, "192.168.105.1"), ours)).toBeUndefined();
    expect(arpReplySender(Buffer.alloc(10), ours)).toBeUndefined();
  });

  it("makes locally administered unicast MACs", () => {
    const mac = randomGuestMac();
    expect((mac[0] ?? 0) & 0x03).toBe(0x02);
  });

  it("rejects malformed addresses", () => {
    expect(() => parseIpv4("1.2.3")).toThrow(/not an IPv4 address/);
  });
});
