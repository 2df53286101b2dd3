// SPDX-License-Identifier: Apache-2.0
/**
 * Ethernet/ARP frames for the TAP probe: an ARP request for the gateway sent
 * from a made-up guest, and recognising the gateway's reply to it.
 */

const ETHERTYPE_ARP = 0x0806;
const ARP_REQUEST = 1;
const ARP_REPLY = 2;
const ETHERNET_HEADER_BYTES = 14;
const ARP_IPV4_BYTES = 28;

export function parseIpv4(text: string): Buffer {
  const parts = text.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`not an IPv4 address: "${text}"`);
  }
  return Buffer.from(parts);
}

export function formatIpv4(bytes: Uint8Array): string {
  return [...bytes].join(".");
}

/**
 * A broadcast ARP request "who has targetIp?" from senderMac. The sender IP is
 * 0.0.0.0 (an RFC 5227 probe), so the probe leaves no entry in the gateway's
 * neighbour table; Linux answers it for its own addresses.
 */
export function arpRequest(senderMac: Uint8Array, targetIp: string): Buffer {
  const frame = Buffer.alloc(ETHERNET_HEADER_BYTES + ARP_IPV4_BYTES);
  frame.fill(0xff, 0, 6); // to: broadcast
  frame.set(senderMac, 6);
  frame.writeUInt16BE(ETHERTYPE_ARP, 12);
  const arp = ETHERNET_HEADER_BYTES;
  frame.writeUInt16BE(1, arp); // hardware: Ethernet
  frame.writeUInt16BE(0x0800, arp + 2); // protocol: IPv4
  frame[arp + 4] = 6;
  frame[arp + 5] = 4;
  frame.writeUInt16BE(ARP_REQUEST, arp + 6);
  frame.set(senderMac, arp + 8);
  // sender IP 0.0.0.0 (already zero), target MAC unknown (zero)
  frame.set(parseIpv4(targetIp), arp + 24);
  return frame;
}

/** The sender IP of an ARP reply addressed to ourMac, or undefined for any other frame. */
export function arpReplySender(frame: Uint8Array, ourMac: Uint8Array): string | undefined {
  if (frame.length < ETHERNET_HEADER_BYTES + ARP_IPV4_BYTES) return undefined;
  const buffer = Buffer.from(frame.buffer, frame.byteOffset, frame.length);
  if (buffer.readUInt16BE(12) !== ETHERTYPE_ARP) return undefined;
  const arp = ETHERNET_HEADER_BYTES;
  if (buffer.readUInt16BE(arp + 6) !== ARP_REPLY) return undefined;
  if (!buffer.subarray(arp + 18, arp + 24).equals(Buffer.from(ourMac))) return undefined;
  return formatIpv4(buffer.subarray(arp + 14, arp + 18));
}

/** A random locally administered unicast MAC for the made-up guest. */
export function randomGuestMac(): Buffer {
  const mac = Buffer.alloc(6);
  for (let i = 0; i < 6; i++) mac[i] = Math.floor(Math.random() * 256);
  mac[0] = ((mac[0] ?? 0) & 0xfc) | 0x02;
  return mac;
}
