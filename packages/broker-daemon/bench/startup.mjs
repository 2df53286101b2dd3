// SPDX-License-Identifier: Apache-2.0
// Start-up cost: `serve` (the default sandbox) from exec until its socket accepts a
// connection, next to `node -e 0` from exec to exit, in alternating pairs; also the
// single executable (tools/sea, when built) the same way. One JSON line per figure:
//   {"figure", "ms": [min, median, max], "floor_ms": [..], "ratio": [min, median, max]}
//
//   node bench/startup.mjs [PAIRS] [SEA] [--entry JS]   (after the build; as root or not)
// SEA: the single executable's path (`node tools/sea/build.mjs --out DIR` makes
// DIR/bin/vmnet-broker); without it only the node side is measured.
// JS: what node runs, dist/vmnet-broker.mjs (the bin, a bundle) unless given, e.g.
// dist/cli/main.js for the unbundled modules.
//
// Each broker runs in its own sandbox (a private network namespace that dies with
// it) on a temporary socket, and is killed once it accepted.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({ options: { entry: { type: "string" } }, allowPositionals: true });
const pairs = Number(positionals[0] ?? 7);
const main = resolve(values.entry ?? new URL("../dist/vmnet-broker.mjs", import.meta.url).pathname);
const sea = positionals[1];
const work = mkdtempSync(join(tmpdir(), "vmnet-broker-startup-"));

function exited(child) {
  return new Promise((resolve) => child.once("exit", resolve));
}
function accepts(path) {
  return new Promise((resolve) => {
    const socket = connect(path);
    // Bounded: an attempt that neither connects nor fails counts as not yet.
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, 200);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}
async function nodeFloor() {
  const t0 = performance.now();
  await exited(spawn(process.execPath, ["-e", "0"], { stdio: "ignore" }));
  return performance.now() - t0;
}
async function serve(command, i) {
  const socket = join(work, `b${i}.sock`);
  const args = ["serve", "--socket", socket, "--config-dir", join(work, "conf"), "--runtime-dir", join(work, `run${i}`)];
  const t0 = performance.now();
  const child = spawn(command[0], [...command.slice(1), ...args], { stdio: "ignore" });
  const limit = t0 + 10_000;
  while (!(await accepts(socket))) {
    if (performance.now() > limit || child.exitCode !== null) throw new Error(`serve did not accept on ${socket}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const ms = performance.now() - t0;
  // SIGKILL: a SIGTERM is refused while our probe connection still counts as a peer;
  // the sandbox dies with the broker either way.
  child.kill("SIGKILL");
  await exited(child);
  return ms;
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return [s[0], s[Math.floor(s.length / 2)], s[s.length - 1]].map((x) => +x.toFixed(2));
};
const sides = [[`serve (node ${relative(new URL("..", import.meta.url).pathname, main)})`, [process.execPath, main]]];
if (sea !== undefined && existsSync(sea)) sides.push(["serve (single executable)", [sea]]);
try {
  for (const [figure, command] of sides) {
    const broker = [];
    const floor = [];
    for (let i = 0; i < pairs; i++) {
      if (i % 2 === 0) {
        broker.push(await serve(command, i));
        floor.push(await nodeFloor());
      } else {
        floor.push(await nodeFloor());
        broker.push(await serve(command, i));
      }
    }
    console.log(JSON.stringify({ figure, ms: stats(broker), floor_ms: stats(floor), ratio: stats(broker.map((b, i) => b / floor[i])) }));
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
