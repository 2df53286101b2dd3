// SPDX-License-Identifier: Apache-2.0
/** Builds and recognises the ARP frames the TAP test exchanges with the bridge. */
import { parseIPv4 } from "../../config/ipv4.js";

function macBytes(mac: string): number[] {
  return mac.split(":").map((part) => Number.parseInt(part, 16));
}

function ipBytes(ip: string): number[] {
  const value = parseIPv4(ip) ?? 0;
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff);
}

/** Ethernet broadcast + ARP who-has `targetIp` tell `senderIp`. */
export function arpRequest(senderMac: string, senderIp: string, targetIp: string): Buffer {
  return Buffer.from([
    ...[0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
    ...macBytes(senderMac),
    0x08,
    0x06, // ARP
    0x00,
    0x01,
    0x08,
    0x00,
    6,
    4, // Ethernet/IPv4
    0x00,
    0x01, // request
    ...macBytes(senderMac),
    ...ipBytes(senderIp),
    ...[0, 0, 0, 0, 0, 0],
    ...ipBytes(targetIp),
  ]);
}

/** The sender IP of an ARP reply frame, or undefined for any other frame. */
export function arpReplySender(frame: Buffer): string | undefined {
  if (frame.length < 42 || frame.readUInt16BE(12) !== 0x0806 || frame.readUInt16BE(20) !== 2) return undefined;
  return [...frame.subarray(28, 32)].join(".");
}
