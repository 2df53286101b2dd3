// SPDX-License-Identifier: Apache-2.0
// Lease latency: how long after a guest's DHCP exchange a waiting lease
// look-up is answered, next to the raw inotify event on dnsmasq's lease file.
//
//   node bench/lease-latency.mjs [RUNS]      (root; after the build)
//
// The broker runs sandboxed (`serve` makes its own network namespace; removed
// when it exits). Per run, a client asks for the lease of a fresh MAC before the
// guest exists (waitForLease), then a guest namespace made for the run is
// attached by veth, given that MAC, and runs busybox udhcpc. Times, from the
// start of udhcpc (all on this process's monotonic clock):
//   bound  = udhcpc's hook printed "bound" (the ACK arrived; one DHCP exchange),
//   file   = this process saw the lease file change (fs.watch: inotify),
//   answer = waitForLease resolved with the guest's address.
// The broker's own cost is answer - file (inotify to reply); the floor next to
// it is file - bound. Prints one JSON line per run and a summary.
import { spawn } from "node:child_process";
import { chmodSync, closeSync, mkdtempSync, rmSync, watch, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { BrokerClient } from "@vmnet-broker/client";
import { networkDir } from "../dist/backend/linux/runtime-files.js";
import { createGuest } from "../dist/sandbox/index.js";

const PACKAGE = join(import.meta.dirname, "..");
const CLI = join(PACKAGE, "dist/cli/main.js");
const RUNS = Number(process.argv[2] ?? 5);
const dir = mkdtempSync(join(tmpdir(), "vmnet-broker-bench-lease-"));
const socket = join(dir, "broker.sock");
const hook = join(dir, "udhcpc-hook.sh");
// Configures the guest's address (in its own namespace only) and says "bound" once.
writeFileSync(hook, '#!/bin/sh\n[ "$1" = bound ] && { ip addr add "$ip/$mask" dev "$interface"; echo bound; }\nexit 0\n');
chmodSync(hook, 0o755);

const broker = spawn(
  process.execPath,
  [CLI, "serve", "--socket", socket, "--runtime-dir", join(dir, "run"), "--config-dir", join(dir, "conf")],
  {
    stdio: "ignore",
  },
);

async function connect() {
  for (let i = 0; ; i++) {
    try {
      return await BrokerClient.connect({ socketPath: socket });
    } catch (error) {
      if (i > 2000) throw error;
      await sleep(10);
    }
  }
}

/** Runs udhcpc in the guest; resolves with the time its hook said "bound". */
function dhcp(guest) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      "nsenter",
      [`--net=${guest.netnsPath}`, "busybox", "udhcpc", "-i", "eth0", "-f", "-q", "-n", "-t", "10", "-T", "1", "-s", hook],
      {
        stdio: ["ignore", "pipe", "ignore"],
      },
    );
    let bound;
    child.stdout.on("data", (chunk) => {
      if (bound === undefined && String(chunk).includes("bound")) bound = performance.now();
    });
    child.once("exit", (code) => (bound === undefined ? reject(new Error(`udhcpc exited ${code} unbound`)) : resolve(bound)));
  });
}

const stats = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted.at(-1) };
};
const ms = (value) => Number(value.toFixed(2));

const results = [];
try {
  const holder = await connect();
  const network = await holder.acquireNetwork("shared");
  const leaseDir = networkDir(join(dir, "run"), network.name);
  for (let run = 0; run < RUNS; run++) {
    const mac = `52:54:00:be:00:${(run + 1).toString(16).padStart(2, "0")}`;
    const waiter = await connect();
    const guest = await createGuest(`bench${run}`);
    const fd = guest.openNetnsFd();
    await holder.openVeth(network, fd, "eth0");
    closeSync(fd);
    await new Promise((resolve, reject) => {
      const ip = spawn("nsenter", [`--net=${guest.netnsPath}`, "ip", "link", "set", "eth0", "address", mac]);
      ip.once("exit", (code) => (code === 0 ? resolve() : reject(new Error("ip link set address failed"))));
    });
    let file;
    const watcher = watch(leaseDir, (_type, name) => {
      if (name === "dnsmasq.leases" && file === undefined) file = performance.now();
    });
    const answered = waiter.waitForLease(network, mac, { timeoutMs: 30_000 }).then((lease) => ({ lease, at: performance.now() }));
    const start = performance.now();
    const bound = await dhcp(guest);
    const { lease, at } = await answered;
    watcher.close();
    const row = {
      run,
      mac,
      ip: lease.ip,
      exchange_ms: ms(bound - start),
      file_after_bound_ms: ms(file - bound),
      answer_after_bound_ms: ms(at - bound),
      broker_cost_ms: ms(at - file),
    };
    results.push(row);
    console.log(JSON.stringify(row));
    await waiter.close();
    await guest.remove();
  }
  await holder.close();
} finally {
  broker.kill("SIGTERM");
  await new Promise((resolve) => broker.once("exit", resolve));
  rmSync(dir, { recursive: true, force: true });
}

const summary = Object.fromEntries(
  ["exchange_ms", "file_after_bound_ms", "answer_after_bound_ms", "broker_cost_ms"].map((key) => [key, stats(results.map((r) => r[key]))]),
);
const ratio = summary.broker_cost_ms.median / summary.exchange_ms.median;
console.log(JSON.stringify({ runs: results.length, ...summary, broker_cost_per_exchange: Number(ratio.toFixed(4)) }));
