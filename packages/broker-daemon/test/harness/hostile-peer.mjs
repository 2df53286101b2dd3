// SPDX-License-Identifier: Apache-2.0
// A hostile peer for the limits tests, run as an unprivileged uid (setpriv).
// Usage: node hostile-peer.mjs MODE SOCKET [COUNT]
// Prints one JSON line with what it saw (deaf: after a line on stdin), then
// holds its connections until stdin closes (the test decides when it leaves).
import { connect } from "node:net";
import { BrokerClient } from "@vmnet-broker/client";
import { Request } from "@vmnet-broker/client/protocol";

const [mode, socketPath, countText] = process.argv.slice(2);
const count = Number(countText ?? "1");
const held = [];

const frame = (request) => {
  const payload = Request.encode(Request.fromPartial(request)).finish();
  const header = Buffer.alloc(4);
  header.writeUInt32BE(payload.length);
  return Buffer.concat([header, payload]);
};

function raw() {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath, () => resolve(socket));
    socket.once("error", reject);
  });
}

const closedSoon = (socket, ms) =>
  new Promise((resolve) => {
    if (socket.destroyed) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });

async function taps() {
  // COUNT connections, each opening TAPs on "host" until refused.
  const results = [];
  for (let c = 0; c < count; c++) {
    const client = await BrokerClient.connect({ socketPath });
    held.push(client);
    await client.acquireNetwork("host");
    let opened = 0;
    for (let i = 0; i < 100; i++) {
      try {
        const tap = await client.openTap("host");
        held.push(tap);
        opened++;
      } catch (error) {
        results.push({ opened, code: error.code, message: error.message });
        break;
      }
    }
  }
  return results;
}

async function connections() {
  // COUNT raw connections at once; how many did the broker keep?
  const sockets = [];
  for (let i = 0; i < count; i++) {
    try {
      const socket = await raw();
      socket.on("error", () => {});
      sockets.push(socket);
    } catch {
      // Refused at connect: counts as not kept.
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  held.push(...sockets);
  return { kept: sockets.filter((s) => !s.destroyed).length, tried: count };
}

async function deaf() {
  // COUNT connections that pipeline status requests and never read a reply.
  for (let c = 0; c < count; c++) {
    const socket = await raw();
    socket.on("error", () => {});
    socket.pause();
    const burst = Buffer.concat(Array.from({ length: 20_000 }, (_, id) => frame({ id, command: { $case: "status", value: {} } })));
    socket.write(burst);
    held.push(socket);
  }
  // Read nothing until the test says "look" on stdin (a paused socket never
  // sees the hang-up).
  await new Promise((resolve) => process.stdin.once("data", resolve));
  for (const socket of held) socket.resume();
  const closed = await Promise.all(held.map((s) => closedSoon(s, 3_000)));
  return { disconnected: closed.filter(Boolean).length, of: count };
}

async function half() {
  // Starts a frame and stalls.
  const socket = await raw();
  socket.on("error", () => {});
  socket.write(frame({ id: 1, command: { $case: "status", value: {} } }).subarray(0, 3));
  held.push(socket);
  return { disconnected: await closedSoon(socket, 10_000) };
}

const modes = { taps, connections, deaf, half };
const result = await modes[mode]();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
