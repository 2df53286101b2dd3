// SPDX-License-Identifier: Apache-2.0
// A tiny TCP and UDP server for port-forwarding tests, run inside a namespace:
//   node echo-server.mjs <label> <address>[,<address>...] <tcp-port> <udp-port>
// Each request is answered with "<label> <request> from <client address>", so a
// test sees both who answered and which source address reached it (masquerade).
// UDP gets one socket per address: a wildcard socket answers from whatever
// address the kernel picks (a guest also has a SLAAC address), not the one asked.
// Prints "ready" once every socket is bound, then "got <request> from <client>"
// for each request (a test sees a request arrive even when its answer is lost).
import { createSocket } from "node:dgram";
import { createServer } from "node:net";

const [label, addresses, tcpPort, udpPort] = process.argv.slice(2);
const plain = (remote) => (remote?.startsWith("::ffff:") ? remote.slice(7) : remote);
const answer = (data, remote) => {
  process.stdout.write(`got ${data.toString().trim()} from ${plain(remote)}\n`);
  return `${label} ${data.toString().trim()} from ${plain(remote)}`;
};

const list = addresses.split(",");
let bound = 0;
const ready = () => {
  if (++bound === 2 * list.length) process.stdout.write("ready\n");
};
for (const address of list) {
  const tcp = createServer((socket) => {
    socket.once("data", (data) => socket.end(answer(data, socket.remoteAddress)));
    socket.on("error", () => {});
  });
  tcp.listen({ host: address, port: Number(tcpPort) }, ready);
  const udp = createSocket(address.includes(":") ? "udp6" : "udp4");
  udp.on("message", (data, remote) => udp.send(answer(data, remote.address), remote.port, remote.address));
  udp.bind({ address, port: Number(udpPort) }, ready);
}
