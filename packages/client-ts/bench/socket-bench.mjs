// SPDX-License-Identifier: Apache-2.0
// Measures the socket addon (FramedEndpoint) against a baseline of Node's own
// net.Socket doing the same 4-byte length framing, side by side in one run.
// Reports ratios; nothing here asserts on time.
//   node bench/socket-bench.mjs        (after `nx run client-ts:build`)
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectUnix, FramedEndpoint, UnixListener } from "@vmnet-broker/client/socket";

const ROUND_TRIPS = 20_000;
const PIPELINED = 100_000;
const BULK_FRAMES = 4_096;
const BULK_FRAME_BYTES = 65_536;
const LIMITS = { maxReceivePayload: 4_194_304, maxSendPayload: 4_194_304 };

const dir = mkdtempSync(join(tmpdir(), "vmnet-broker-bench-"));

/** Baseline: net.Socket with hand-written framing; echo server. */
async function netPair(path) {
  const server = createServer((socket) => {
    const reader = frameReader((payload) => socket.write(frame(payload)));
    socket.on("data", reader);
  });
  await new Promise((resolve) => server.listen(path, resolve));
  const socket = createConnection(path);
  await new Promise((resolve) => socket.once("connect", resolve));
  let onFrame = () => {};
  socket.on("data", frameReader((payload) => onFrame(payload)));
  return {
    send: (payload) => socket.write(frame(payload)),
    setOnFrame: (fn) => (onFrame = fn),
    close: () => {
      socket.destroy();
      server.close();
    },
  };
}

/** Ours: FramedEndpoint on both sides; echo server. */
async function addonPair(path) {
  const listener = UnixListener.listen(
    { path, mode: 0o600 },
    {
      onConnection: (fd) => {
        const echo = new FramedEndpoint(fd, LIMITS, {
          onFrame: (payload) => echo.send(payload),
          onClose: () => {},
        });
      },
    },
  );
  let onFrame = () => {};
  const client = new FramedEndpoint(connectUnix(path), LIMITS, {
    onFrame: (payload) => onFrame(payload),
    onClose: () => {},
  });
  return {
    send: (payload) => client.send(payload),
    setOnFrame: (fn) => (onFrame = fn),
    close: () => {
      client.close();
      listener.close();
    },
  };
}

function frame(payload) {
  const out = Buffer.allocUnsafe(4 + payload.length);
  out.writeUInt32BE(payload.length, 0);
  payload.copy(out, 4);
  return out;
}

function frameReader(onPayload) {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const length = pending.readUInt32BE(0);
      if (pending.length < 4 + length) break;
      onPayload(pending.subarray(4, 4 + length));
      pending = pending.subarray(4 + length);
    }
  };
}

async function roundTrips(pair) {
  const payload = Buffer.alloc(64, 1);
  const started = process.hrtime.bigint();
  for (let i = 0; i < ROUND_TRIPS; i++) {
    await new Promise((resolve) => {
      pair.setOnFrame(resolve);
      pair.send(payload);
    });
  }
  return ROUND_TRIPS / (Number(process.hrtime.bigint() - started) / 1e9);
}

async function pipelined(pair) {
  const payload = Buffer.alloc(64, 2);
  const started = process.hrtime.bigint();
  await new Promise((resolve) => {
    let seen = 0;
    pair.setOnFrame(() => ++seen === PIPELINED && resolve());
    for (let i = 0; i < PIPELINED; i++) pair.send(payload);
  });
  return PIPELINED / (Number(process.hrtime.bigint() - started) / 1e9);
}

async function bulk(pair) {
  const payload = Buffer.alloc(BULK_FRAME_BYTES, 3);
  const started = process.hrtime.bigint();
  await new Promise((resolve) => {
    let seen = 0;
    pair.setOnFrame(() => ++seen === BULK_FRAMES && resolve());
    for (let i = 0; i < BULK_FRAMES; i++) pair.send(payload);
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return (2 * BULK_FRAMES * BULK_FRAME_BYTES * 8) / seconds / 1e9; // echoed: both directions
}

const rows = [];
for (const [name, measure, unit] of [
  ["round trips (64 B, one at a time)", roundTrips, "/s"],
  ["pipelined echo (64 B)", pipelined, "msg/s"],
  ["bulk echo (64 KiB frames)", bulk, "Gbit/s"],
]) {
  const base = await netPair(join(dir, "net.sock"));
  const baseline = await measure(base);
  base.close();
  const ours = await addonPair(join(dir, "addon.sock"));
  const result = await measure(ours);
  ours.close();
  rows.push({ name, unit, baseline, result });
}
rmSync(dir, { recursive: true, force: true });

const fmt = (v) => (v >= 100 ? Math.round(v).toLocaleString("en") : v.toFixed(2));
console.log("benchmark                              net.Socket     addon          ratio (addon/net)");
for (const r of rows) {
  console.log(`${r.name.padEnd(38)} ${`${fmt(r.baseline)} ${r.unit}`.padEnd(14)} ${`${fmt(r.result)} ${r.unit}`.padEnd(14)} ${(r.result / r.baseline).toFixed(2)}`);
}
