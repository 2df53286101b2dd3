// SPDX-License-Identifier: Apache-2.0
// Proves a TAP fd carries frames: writes an ARP who-has for the gateway into the
// TAP and waits for the gateway's ARP reply. Reads go through libuv's thread pool
// (the fd is blocking), bounded by a deadline.
import { read, writeSync } from "node:fs";

const ipBytes = (ip: string) => Buffer.from(ip.split(".").map(Number));

export function arpRequest(senderMac: Buffer, senderIp: string, targetIp: string): Buffer {
  return Buffer.concat([
    Buffer.alloc(6, 0xff), // destination: broadcast
    senderMac,
    Buffer.from([0x08, 0x06]), // EtherType ARP
    Buffer.from([0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01]), // Ethernet/IPv4, request
    senderMac,
    ipBytes(senderIp),
    Buffer.alloc(6),
    ipBytes(targetIp),
  ]);
}

/** Resolves with the replying IP, or rejects after timeoutMs. */
export async function arpProbe(fd: number, gateway: string, senderIp: string, timeoutMs = 5000): Promise<string> {
  const mac = Buffer.from([0x02, 0x42, 0xac, 0x11, 0x00, 0x99]);
  writeSync(fd, arpRequest(mac, senderIp, gateway));
  const deadline = Date.now() + timeoutMs;
  const buffer = Buffer.alloc(65536);
  while (Date.now() < deadline) {
    const n = await Promise.race([
      new Promise<number>((resolve, reject) => read(fd, buffer, 0, buffer.length, null, (e, bytes) => (e ? reject(e) : resolve(bytes)))),
      new Promise<number>((resolve) => setTimeout(() => resolve(-1), Math.max(0, deadline - Date.now()))),
    ]);
    if (n < 0) break;
    const frame = buffer.subarray(0, n);
    const isArpReply = frame.length >= 42 && frame.readUInt16BE(12) === 0x0806 && frame.readUInt16BE(20) === 2;
    if (isArpReply && frame.subarray(0, 6).equals(mac)) return [...frame.subarray(28, 32)].join(".");
  }
  throw new Error(`no ARP reply from ${gateway} within ${timeoutMs} ms`);
}
