// SPDX-License-Identifier: Apache-2.0
// One request through a (forwarded) port, run inside a namespace:
//   node port-probe.mjs <tcp|udp> <address> <port> <message>
// Prints the answer and exits 0, or prints why not to stderr and exits 1 (no
// answer within a second, refused, unreachable).
import { createSocket } from "node:dgram";
import { connect } from "node:net";

const [protocol, address, port, message] = process.argv.slice(2);
const LIMIT_MS = 1_000;
const fail = (why) => {
  process.stderr.write(`${protocol} ${address} ${port}: ${why}\n`);
  process.exit(1);
};
setTimeout(() => fail("no answer"), LIMIT_MS).unref();

if (protocol === "tcp") {
  const socket = connect({ host: address, port: Number(port) }, () => socket.write(message));
  const chunks = [];
  socket.on("data", (chunk) => chunks.push(chunk));
  socket.on("end", () => {
    process.stdout.write(Buffer.concat(chunks).toString());
    process.exit(0);
  });
  socket.on("error", (error) => fail(error.code ?? error.message));
} else {
  const socket = createSocket(address.includes(":") ? "udp6" : "udp4");
  socket.on("message", (data) => {
    process.stdout.write(data.toString());
    process.exit(0);
  });
  socket.on("error", (error) => fail(error.code ?? error.message));
  socket.send(message, Number(port), address);
}
