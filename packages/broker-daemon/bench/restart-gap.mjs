// SPDX-License-Identifier: Apache-2.0
// The restart gap: what a broker restart costs the VMs on an adopted network.
//
//   node bench/restart-gap.mjs [RUNS]      (root; after the build)
//
// In a namespace made for the run (`ip netns add`, `serve --host` inside, deleted
// at the end), a guest namespace on an interface-held veth pings a TAP holder
// (test/harness/tap-responder.mjs) every 10 ms. RUNS times per way of stopping
// (SIGTERM, kill -9), the broker is stopped and started again. Per restart:
//   broker start = exec of the new broker to its socket accepting a connection,
//   ping gap     = the longest time between two consecutive replies from 0.5 s
//                  before the stop to 0.5 s after the new broker accepts,
//   lost         = sequence numbers that never came back.
// The floor is the ping interval: a gap near 10 ms means the data path never
// noticed. Prints one JSON line per restart and a summary table.
import { execFileSync, spawn } from "node:child_process";
import { closeSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { LeaseHolder, Reply, Request } from "@vmnet-broker/client/protocol";
import { connectUnix, FramedEndpoint, MAX_REPLY_PAYLOAD } from "@vmnet-broker/client/socket";
import { acquireDhcpLease, createGuest } from "../dist/sandbox/index.js";

const PACKAGE = join(import.meta.dirname, "..");
const CLI = join(PACKAGE, "dist/cli/main.js");
const RESPONDER = join(PACKAGE, "test/harness/tap-responder.mjs");
const RUNS = Number(process.argv[2] ?? 5);
const INTERVAL_S = "0.01";
const netns = `vmnet-broker-bench-restart-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), "vmnet-broker-bench-restart-"));
const socket = join(dir, "broker.sock");

function startBroker() {
  const exec = performance.now();
  const child = spawn(
    "ip",
    [
      "netns",
      "exec",
      netns,
      process.execPath,
      CLI,
      "serve",
      "--host",
      "--socket",
      socket,
      "--config-dir",
      join(dir, "conf"),
      "--runtime-dir",
      join(dir, "run"),
      "--idle-delay-ms",
      "2000",
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return { child, exited, exec };
}

async function accepting(limitMs = 20_000) {
  const deadline = performance.now() + limitMs;
  for (;;) {
    try {
      closeSync(connectUnix(socket));
      return performance.now();
    } catch {
      if (performance.now() > deadline) throw new Error("broker did not come up");
      await sleep(1);
    }
  }
}

/** acquire + open_interface veth (holder INTERFACE) on one connection, then close it. */
function heldVeth(netnsFd) {
  return new Promise((resolve, reject) => {
    let replies = 0;
    const endpoint = new FramedEndpoint(
      connectUnix(socket),
      { maxReceivePayload: MAX_REPLY_PAYLOAD, maxSendPayload: 65536 },
      {
        onFrame: (payload) => {
          const reply = Reply.decode(payload);
          if (reply.result?.$case === "error") reject(new Error(reply.result.value.message));
          if (++replies === 2) {
            endpoint.close();
            resolve();
          }
        },
        onClose: () => replies < 2 && reject(new Error("closed early")),
      },
    );
    endpoint.send(
      Request.encode(Request.fromPartial({ id: 1, command: { $case: "acquire", value: { networkName: "shared" } } })).finish(),
      [],
    );
    const veth = { ifname: "eth0", holder: LeaseHolder.LEASE_HOLDER_INTERFACE };
    const open = { id: 2, command: { $case: "openInterface", value: { networkName: "shared", kind: { $case: "veth", value: veth } } } };
    endpoint.send(Request.encode(Request.fromPartial(open)).finish(), [netnsFd]);
  });
}

const stats = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1] };
};
const ms = (v) => v.toFixed(1);

/** The longest time between consecutive replies received in [from, to] (epoch ms). */
function maxGap(replies, from, to) {
  const times = [...replies.values()].filter((t) => t >= from && t <= to).sort((a, b) => a - b);
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i] - times[i - 1]);
  return gap;
}

execFileSync("ip", ["netns", "add", netns]);
execFileSync("ip", ["netns", "exec", netns, "ip", "link", "set", "lo", "up"]);
execFileSync("mkdir", ["-p", join(dir, "conf")]);
let broker = startBroker();
let guest;
let responder;
let ping;
const results = [];
try {
  await accepting();
  guest = await createGuest("bench-restart");
  const fd = guest.openNetnsFd();
  await heldVeth(fd);
  closeSync(fd);
  const lease = await acquireDhcpLease(guest, "eth0");
  const tapIp = lease.ip.replace(/\.\d+$/, ".250");
  responder = spawn("setpriv", ["--pdeathsig", "KILL", "--", process.execPath, RESPONDER, socket, "shared", tapIp], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise((resolve) => responder.stdout.once("data", resolve));

  // Reply times by sequence number, as ping stamps them on receipt (-D, epoch ms).
  const replies = new Map();
  ping = spawn("nsenter", [`--net=${guest.netnsPath}`, "--", "ping", "-n", "-D", "-i", INTERVAL_S, tapIp], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  let text = "";
  ping.stdout.setEncoding("utf8").on("data", (chunk) => {
    text += chunk;
    const lines = text.split("\n");
    text = lines.pop() ?? "";
    for (const line of lines) {
      const seq = /^\[(\d+\.\d+)\] .*bytes from .*icmp_seq=(\d+)/.exec(line);
      if (seq) replies.set(Number(seq[2]), Number(seq[1]) * 1000);
    }
  });
  await sleep(1000);

  for (const how of ["SIGTERM", "SIGKILL"]) {
    for (let run = 0; run < RUNS; run++) {
      const stoppedAt = Date.now();
      const quiet = maxGap(replies, stoppedAt - 1000, stoppedAt);
      broker.child.kill(how);
      await broker.exited;
      broker = startBroker();
      const acceptedAt = await accepting();
      const acceptedWall = Date.now();
      await sleep(500);
      const gap = maxGap(replies, stoppedAt - 500, acceptedWall + 500);
      const last = Math.max(...replies.keys());
      let lost = 0;
      for (let seq = 1; seq <= last; seq++) if (!replies.has(seq)) lost++;
      const result = { how, run, brokerStartMs: acceptedAt - broker.exec, pingGapMs: gap, quietGapMs: quiet, lostSoFar: lost };
      results.push(result);
      process.stderr.write(`${JSON.stringify(result)}\n`);
    }
  }
} finally {
  ping?.kill("SIGINT");
  responder?.kill("SIGKILL");
  await guest?.remove();
  broker.child.kill("SIGTERM");
  await broker.exited;
  const pids = execFileSync("ip", ["netns", "pids", netns], { encoding: "utf8" }).split("\n").filter(Boolean);
  for (const pid of pids) process.kill(Number(pid), "SIGKILL");
  execFileSync("ip", ["netns", "del", netns]);
  rmSync(dir, { recursive: true, force: true });
}

console.log(
  `| stop | runs | broker start ms (min / median / max) | ping gap ms across the restart | ping gap ms, 1 s before (floor) | lost pings |`,
);
console.log(`|---|---:|---:|---:|---:|---:|`);
for (const how of ["SIGTERM", "SIGKILL"]) {
  const rows = results.filter((r) => r.how === how);
  const start = stats(rows.map((r) => r.brokerStartMs));
  const gap = stats(rows.map((r) => r.pingGapMs));
  const quiet = stats(rows.map((r) => r.quietGapMs));
  const three = (v) => `${ms(v.min)} / ${ms(v.median)} / ${ms(v.max)}`;
  console.log(`| ${how} | ${rows.length} | ${three(start)} | ${three(gap)} | ${three(quiet)} | ${rows.at(-1)?.lostSoFar ?? 0} |`);
}
