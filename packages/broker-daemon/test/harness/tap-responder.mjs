// SPDX-License-Identifier: Apache-2.0
// A stand-in for a VM behind a TAP, for the restart tests and the restart benchmark:
//
//   node tap-responder.mjs SOCKET NETWORK IP
//
// acquires NETWORK, opens a TAP with holder LEASE_HOLDER_INTERFACE, closes its
// connection (the TAP now holds the network by itself, as with QEMU's bridge
// helper), prints one JSON line {name, guestMac, gateway}, then answers ARP
// requests for IP and ICMP echo requests to IP with the broker's guest MAC until it
// is killed. Plain JavaScript: it runs as a child process without a build step.
import { read, writeSync } from "node:fs";
import { LeaseHolder, Reply, Request } from "@vmnet-broker/client/protocol";
import { connectUnix, FramedEndpoint, MAX_REPLY_PAYLOAD } from "@vmnet-broker/client/socket";

const [socketPath, networkName, ip] = process.argv.slice(2);
if (!socketPath || !networkName || !ip) {
  process.stderr.write("usage: tap-responder.mjs SOCKET NETWORK IP\n");
  process.exit(2);
}

/** Sends the requests one after another; resolves with each reply and its fds. */
function exchange(requests) {
  return new Promise((resolve, reject) => {
    const replies = [];
    const endpoint = new FramedEndpoint(
      connectUnix(socketPath),
      { maxReceivePayload: MAX_REPLY_PAYLOAD, maxSendPayload: 65536 },
      {
        onFrame: (payload, fds) => {
          replies.push({ reply: Reply.decode(payload), fds });
          if (replies.length === requests.length) {
            endpoint.close();
            resolve(replies);
          } else endpoint.send(Request.encode(Request.fromPartial(requests[replies.length])).finish(), []);
        },
        onClose: () => replies.length < requests.length && reject(new Error("connection closed early")),
      },
    );
    endpoint.send(Request.encode(Request.fromPartial(requests[0])).finish(), []);
  });
}

const [acquired, opened] = await exchange([
  { id: 1, command: { $case: "acquire", value: { networkName } } },
  {
    id: 2,
    command: {
      $case: "openInterface",
      value: { networkName, kind: { $case: "tap", value: { vnetHeader: false, queues: 1, holder: LeaseHolder.LEASE_HOLDER_INTERFACE } } },
    },
  },
]);
if (opened.reply.result?.$case !== "interface") throw new Error(`open_interface failed: ${JSON.stringify(opened.reply.result)}`);
const tap = opened.reply.result.value;
const fd = opened.fds[0];
const mac = Buffer.from(tap.guestMac.split(":").map((h) => Number.parseInt(h, 16)));
const ipBytes = Buffer.from(ip.split(".").map(Number));
process.stdout.write(`${JSON.stringify({ name: tap.name, guestMac: tap.guestMac, gateway: acquired.reply.result?.value?.gateway })}\n`);

function checksum(bytes) {
  let sum = 0;
  for (let i = 0; i + 1 < bytes.length; i += 2) sum += bytes.readUInt16BE(i);
  if (bytes.length % 2) sum += bytes[bytes.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function answer(frame) {
  const type = frame.readUInt16BE(12);
  if (type === 0x0806 && frame.length >= 42 && frame.readUInt16BE(20) === 1 && frame.subarray(38, 42).equals(ipBytes)) {
    const reply = Buffer.alloc(42);
    frame.copy(reply, 0, 6, 12); // to the asker
    mac.copy(reply, 6);
    reply.writeUInt16BE(0x0806, 12);
    frame.copy(reply, 14, 14, 20); // hardware/protocol types and sizes
    reply.writeUInt16BE(2, 20);
    mac.copy(reply, 22);
    ipBytes.copy(reply, 28);
    frame.copy(reply, 32, 22, 32); // the asker's MAC and IP
    return reply;
  }
  if (type !== 0x0800 || frame.length < 34) return undefined;
  const ihl = (frame[14] & 0x0f) * 4;
  const icmp = 14 + ihl;
  if (frame[23] !== 1 || !frame.subarray(30, 34).equals(ipBytes) || frame[icmp] !== 8) return undefined;
  const reply = Buffer.from(frame);
  frame.copy(reply, 0, 6, 12);
  mac.copy(reply, 6);
  frame.copy(reply, 26, 30, 34); // source <- destination
  frame.copy(reply, 30, 26, 30); // destination <- source
  reply[22] = 64;
  reply.writeUInt16BE(0, 24);
  reply.writeUInt16BE(checksum(reply.subarray(14, icmp)), 24);
  reply[icmp] = 0;
  reply.writeUInt16BE(0, icmp + 2);
  reply.writeUInt16BE(checksum(reply.subarray(icmp)), icmp + 2);
  return reply;
}

const buffer = Buffer.alloc(65536);
const loop = () =>
  read(fd, buffer, 0, buffer.length, null, (error, n) => {
    if (error) throw error;
    const reply = answer(Buffer.from(buffer.subarray(0, n)));
    if (reply) writeSync(fd, reply);
    loop();
  });
loop();
