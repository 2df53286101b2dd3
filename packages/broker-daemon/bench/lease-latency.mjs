// SPDX-License-Identifier: Apache-2.0
// Lease latency: how long after a guest receives its DHCP ACK a waiting lease
// look-up is answered, next to how long dnsmasq itself takes to start its own
// --dhcp-script hook for the same lease. Alternating pairs in one run:
//
//   broker = ACK received by the guest -> waitForLease resolved in this process
//            (the broker's sandbox, its dnsmasq, lease file, tracker, reply);
//   floor  = ACK received by the guest -> the hook's first instruction
//            (a hand-made dnsmasq with the broker's own dnsmasq.conf plus
//            dhcp-script=out/lease-stamp, on a bridge of this run's namespace).
//
// The guest side is the same on both: out/dhcp-probe --lease (DISCOVER, OFFER,
// REQUEST, ACK) from a guest namespace on a veth, printing the ACK's arrival on
// CLOCK_MONOTONIC, the clock of process.hrtime.bigint() and of lease-stamp.
//
//   node bench/lease-latency.mjs [PAIRS]   (root; after `tsc -p .` and `make -C bench`; default 7)
//
// It re-executes itself under `unshare --net --pid --fork --kill-child --mount-proc`:
// the floor's bridge and dnsmasq live in the run's own namespace, the broker makes
// its sandbox inside it, guests are namespaces of the run, DHCP never leaves them,
// and a kill -9 of the run ends every process of it (the pid namespace).
// Prints one JSON line per pair and a summary line. The broker side can be
// negative: dnsmasq writes its lease file before it sends the ACK, and the
// broker answers from that file, while dnsmasq starts its hook only after.
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { enterPrivateNamespaces } from "./private-namespaces.mjs";

const MARKER = "VMNET_BROKER_LEASE_BENCH_SANDBOXED";
enterPrivateNamespaces(MARKER);

const { BrokerClient } = await import("@vmnet-broker/client");
const { networkDir } = await import("../dist/backend/linux/runtime-files.js");
const { createGuest } = await import("../dist/sandbox/index.js");
const { runTool } = await import("../dist/backend/linux/run-tool.js");

const PACKAGE = join(import.meta.dirname, "..");
const CLI = join(PACKAGE, "dist/cli/main.js");
const PROBE = join(import.meta.dirname, "out/dhcp-probe");
const STAMP = join(import.meta.dirname, "out/lease-stamp");
const PAIRS = Number(process.argv[2] ?? 7);
if (!Number.isInteger(PAIRS) || PAIRS < 1) throw new Error(`PAIRS must be a positive integer, not ${process.argv[2]}`);
for (const program of [PROBE, STAMP]) if (!existsSync(program)) throw new Error(`${program} is missing: run make -C bench`);

const loadBefore = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const dir = mkdtempSync(join(tmpdir(), "vmnet-broker-bench-lease-"));
const stamps = join(dir, "floor/stamps");
await runTool("ip", ["link", "set", "lo", "up"]);

async function connect(socket) {
  for (let i = 0; ; i++) {
    try {
      return await BrokerClient.connect({ socketPath: socket });
    } catch (error) {
      if (i > 2000) throw error;
      await sleep(10);
    }
  }
}

/** One whole DHCP exchange from the guest's eth0; resolves with the ACK's CLOCK_MONOTONIC time. */
async function lease(guest) {
  const out = await runTool(PROBE, ["--ifname", "eth0", "--netns", guest.netnsPath, "--lease", "--timeout-ms", "20000"]);
  const row = JSON.parse(out);
  return { ip: row.ip, mac: row.mac, ack: BigInt(row.ack_ns) };
}

/** The hook's stamp for mac's "add", waited for (bounded): dnsmasq runs hooks after answering. */
async function stampOf(mac) {
  for (let i = 0; i < 500; i++) {
    const line =
      existsSync(stamps) &&
      readFileSync(stamps, "utf8")
        .split("\n")
        .find((l) => l.startsWith(`add ${mac} `));
    if (line) return BigInt(line.split(" ")[3]);
    await sleep(10);
  }
  throw new Error(`the floor's dhcp-script never stamped ${mac}`);
}

const ms = (ns) => Number(ns) / 1e6;
const round = (value) => Number(value.toFixed(3));
const stats = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: round(sorted[0]), median: round(sorted[Math.floor(sorted.length / 2)]), max: round(sorted.at(-1)) };
};

const broker = spawn(
  process.execPath,
  [CLI, "serve", "--socket", join(dir, "broker.sock"), "--runtime-dir", join(dir, "run"), "--config-dir", join(dir, "conf")],
  { stdio: "ignore" },
);
let floorDnsmasq;
const rows = [];
try {
  const holder = await connect(join(dir, "broker.sock"));
  const network = await holder.acquireNetwork("shared");

  // The floor: the broker's own dnsmasq.conf with its paths moved and a hook added,
  // on a bridge of the same name and gateway in this run's namespace.
  const brokerFiles = networkDir(join(dir, "run"), network.name);
  const floorFiles = join(dir, "floor");
  mkdirSync(floorFiles);
  const conf = readFileSync(join(brokerFiles, "dnsmasq.conf"), "utf8");
  const bridge = /^interface=(.+)$/m.exec(conf)?.[1];
  const range = /^dhcp-range=([\d.]+),/m.exec(conf)?.[1];
  if (!bridge || !range) throw new Error(`no interface= or dhcp-range= in the broker's dnsmasq.conf:\n${conf}`);
  const gateway = range.replace(/\.\d+$/, ".1");
  writeFileSync(join(floorFiles, "dnsmasq.conf"), `${conf.replaceAll(brokerFiles, floorFiles)}dhcp-script=${STAMP}\n`);
  await runTool("ip", ["-batch", "-"], {
    input: `link add ${bridge} type bridge stp_state 0 forward_delay 0\naddr add ${gateway}/24 dev ${bridge}\nlink set ${bridge} up\n`,
  });
  // The broker's command line for dnsmasq (foreground), without its guard:
  // the pid namespace is this run's guard.
  floorDnsmasq = spawn("dnsmasq", ["--keep-in-foreground", `--conf-file=${join(floorFiles, "dnsmasq.conf")}`], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, LEASE_STAMP_FILE: stamps },
  });
  for (let i = 0; !existsSync(join(floorFiles, "dnsmasq.pid")); i++) {
    if (floorDnsmasq.exitCode !== null || i > 1000) throw new Error(`the floor's dnsmasq did not start (${floorDnsmasq.exitCode})`);
    await sleep(10);
  }

  async function brokerSide(pair) {
    const mac = `52:54:00:be:01:${pair.toString(16).padStart(2, "0")}`;
    const waiter = await connect(join(dir, "broker.sock"));
    // Asked before the guest exists, as a VM tool would.
    const answered = waiter.waitForLease(network, mac, { timeoutMs: 30_000 }).then((found) => ({ found, at: process.hrtime.bigint() }));
    const guest = await createGuest(`broker${pair}`);
    try {
      const fd = guest.openNetnsFd();
      try {
        await holder.openVeth(network, fd, "eth0");
      } finally {
        closeSync(fd);
      }
      await guest.run("ip", ["link", "set", "eth0", "address", mac]);
      const acked = await lease(guest);
      const { found, at } = await answered;
      if (found.ip !== acked.ip) throw new Error(`the broker answered ${found.ip}, the guest was given ${acked.ip}`);
      return ms(at - acked.ack);
    } finally {
      waiter.close();
      await guest.remove();
    }
  }

  async function floorSide(pair) {
    const mac = `52:54:00:f1:01:${pair.toString(16).padStart(2, "0")}`;
    const guest = await createGuest(`floor${pair}`);
    try {
      const port = `vmveth-fl${pair}`;
      await runTool("ip", ["link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", String(guest.pid)]);
      await runTool("ip", ["link", "set", port, "master", bridge, "up"]);
      await guest.run("ip", ["link", "set", "eth0", "address", mac]);
      const acked = await lease(guest);
      return ms((await stampOf(mac)) - acked.ack);
    } finally {
      await guest.remove(); // The veth goes with the guest's namespace.
    }
  }

  for (let pair = 0; pair < PAIRS; pair++) {
    // Alternate which side goes first, so neither always follows the other's tail.
    const first = pair % 2 === 0 ? brokerSide : floorSide;
    const second = first === brokerSide ? floorSide : brokerSide;
    const a = await first(pair);
    const b = await second(pair);
    const [brokerMs, floorMs] = first === brokerSide ? [a, b] : [b, a];
    const row = {
      pair,
      broker_ms: round(brokerMs),
      floor_ms: round(floorMs),
      broker_minus_floor_ms: round(brokerMs - floorMs),
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
  holder.close();
} finally {
  floorDnsmasq?.kill("SIGTERM");
  broker.kill("SIGTERM");
  await new Promise((resolve) => (broker.exitCode === null ? broker.once("exit", resolve) : resolve()));
  rmSync(dir, { recursive: true, force: true });
}

const loadAfter = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const broker_ms = stats(rows.map((r) => r.broker_ms));
const floor_ms = stats(rows.map((r) => r.floor_ms));
console.log(
  JSON.stringify({
    pairs: rows.length,
    broker_ms,
    floor_ms,
    broker_minus_floor_ms: stats(rows.map((r) => r.broker_minus_floor_ms)),
    // Negative when the broker's median answer came before the guest had its ACK.
    ratio_of_medians: round(broker_ms.median / floor_ms.median),
    load_before: loadBefore,
    load_after: loadAfter,
  }),
);
