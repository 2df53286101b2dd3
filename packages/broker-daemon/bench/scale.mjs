// SPDX-License-Identifier: Apache-2.0
// Creation cost and memory as networks accumulate: at N = 1, 10, 50, 100, 200 live
// networks (static subnets 10.77.x.0/24 beyond the dynamic pool), the time to
// create and destroy one more, the CPU the N existing dnsmasq processes spend
// while it is created, and the memory per network (PSS of dnsmasq and its guard).
// Memory floor, in the same namespace at the same time: REPEATS networks made by
// hand (a bridge by `ip`, the broker's own dnsmasq.conf with subnet, bridge and
// paths moved, dnsmasq started as the broker starts it but with no guard), each
// one's PSS. Pairs: the i-th hand-made network against the broker's newest networks.
// One JSON line per N:
//   {"n", "create_ms": [min, median, max], "others_cpu_ms": median, "pss_kb_per_network",
//    "pss_kb": {"broker": [min, median, max], "floor": [...], "ratio": [...]}, "pairs"}
// Then the goal's figure in alternating pairs, so that the machine's load moves both
// sides alike: a second backend with BASE (10) networks in a namespace of its own,
// and one more network created (and destroyed) there and next to the largest
// level's networks, in turn, REPEATS times:
//   {"figure", "large_ms": [..], "base_ms": [..], "ratio": [min, median, max], "pairs"}
//
//   node bench/scale.mjs [LEVELS] [REPEATS]      (after `tsc -p .`, as root)
//
// It re-executes itself under `unshare --net --pid --fork --kill-child --mount-proc`
// so every object lives in a namespace made for this run and dies with it.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { benchNetworkConfig } from "./network-config.mjs";
import { enterPrivateNamespaces } from "./private-namespaces.mjs";

const MARKER = "VMNET_BROKER_SCALE_SANDBOXED";
enterPrivateNamespaces(MARKER);

const levels = (process.argv[2] ?? "1,10,50,100,200").split(",").map(Number);
const repeats = Number(process.argv[3] ?? 5);
const BASE = 10;
const dist = new URL("../dist/", import.meta.url);
const { createLinuxBackend, linuxNative } = await import(new URL("backend/linux/index.js", dist).href);
const { networkDir } = await import(new URL("backend/linux/runtime-files.js", dist).href);

linuxNative().setUp("lo");
const runtimeDir = mkdtempSync(join(tmpdir(), "vmnet-broker-scale-"));
const backend = createLinuxBackend({ runtimeDir, sandboxed: true });
await backend.reclaimLeftovers();
const config = (name, i) => benchNetworkConfig(name, `10.77.${i}.0`);

/** pid -> argv[0] basename, for every process in this pid namespace but us. */
function processes() {
  const found = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const argv0 = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0")[0];
      found.set(Number(entry), argv0.split("/").pop());
    } catch {}
  }
  return found;
}
function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, USER_HZ 100
  } catch {
    return 0;
  }
}
function pssKb(pid) {
  try {
    return Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"))?.[1] ?? 0);
  } catch {
    return 0;
  }
}
function parentPid(pid) {
  try {
    return Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")[1]);
  } catch {
    return 0;
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs) => [Math.min(...xs), median(xs), Math.max(...xs)].map((x) => +x.toFixed(2));

/** PSS of one broker network's helpers: its dnsmasq (found by --conf-file) and the guard above it. */
function brokerNetworkPss(name) {
  const conf = `--conf-file=${join(networkDir(runtimeDir, name), "dnsmasq.conf")}`;
  for (const pid of processes().keys()) {
    let argv;
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    if (!argv[0].endsWith("dnsmasq") || !argv.includes(conf)) continue;
    const guard = parentPid(pid);
    if (guard === process.pid || guard <= 1) throw new Error(`dnsmasq of ${name} has no guard`);
    return pssKb(pid) + pssKb(guard);
  }
  throw new Error(`no dnsmasq for network ${name}`);
}

/**
 * The floor: network j made by hand, as a script would: a bridge with the gateway
 * address (`ip -batch`), then dnsmasq with the broker's dnsmasq.conf of `model`
 * (subnet, bridge and paths moved), `dnsmasq --keep-in-foreground` as the broker
 * runs it, without the guard (this run's pid namespace is the guard).
 */
async function handMadeNetwork(model, modelIndex, j) {
  const modelDir = networkDir(runtimeDir, model);
  const conf = readFileSync(join(modelDir, "dnsmasq.conf"), "utf8");
  const bridge = /^interface=(.+)$/m.exec(conf)?.[1];
  if (!bridge) throw new Error(`no interface= in ${model}'s dnsmasq.conf:\n${conf}`);
  const dir = join(runtimeDir, `hand${j}`);
  const name = `hand${j}`;
  mkdirSync(dir);
  writeFileSync(
    join(dir, "dnsmasq.conf"),
    conf.replaceAll(modelDir, dir).replaceAll(bridge, name).replaceAll(`10.77.${modelIndex}.`, `10.78.${j}.`),
  );
  const ip = spawnSync("ip", ["-batch", "-"], {
    input: `link add ${name} type bridge stp_state 0 forward_delay 0\naddr add 10.78.${j}.1/24 dev ${name}\nlink set ${name} up\n`,
  });
  if (ip.status !== 0) throw new Error(`ip -batch for ${name}: ${ip.stderr}`);
  const child = spawn("dnsmasq", ["--keep-in-foreground", `--conf-file=${join(dir, "dnsmasq.conf")}`], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  for (let i = 0; !existsSync(join(dir, "dnsmasq.pid")); i++) {
    if (child.exitCode !== null || i > 500) throw new Error(`the hand-made dnsmasq ${name} did not start (${child.exitCode})`);
    await sleep(10);
  }
  return {
    pss: () => pssKb(child.pid),
    async destroy() {
      child.kill("SIGTERM");
      if (child.exitCode === null) await new Promise((resolve) => child.once("exit", resolve));
      spawnSync("ip", ["link", "del", name]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** REPEATS hand-made networks next to the N live ones; per-network PSS of each side and pair ratios. */
async function memoryPairs(n) {
  const hand = [];
  try {
    for (let j = 0; j < repeats; j++) hand.push(await handMadeNetwork(`s${n - 1}`, n - 1, j));
    await sleep(300);
    const broker = live.map((_, i) => brokerNetworkPss(`s${i}`));
    const floor = hand.map((h) => h.pss());
    // Pair j: the broker's j-th newest network against hand-made network j.
    const ratios = floor.map((kb, j) => broker[(n - 1 - j + n * repeats) % n] / kb);
    return {
      pss_kb: { broker: spread(broker), floor: spread(floor), ratio: spread(ratios) },
      pairs: ratios.length,
    };
  } finally {
    for (const h of hand) await h.destroy();
  }
}

/** Creates and destroys one more network: the creation's milliseconds. */
async function createOneMore(on) {
  const t0 = process.hrtime.bigint();
  const extra = await on.createNetwork(config("extra", 250));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  await extra.destroy();
  return ms;
}

/**
 * The largest level against BASE networks, in alternating pairs: a second backend
 * in a namespace of its own holds the BASE networks; the thread enters the namespace
 * of the side whose turn it is (children, dnsmasq included, start in it).
 */
async function creationPairs() {
  const largeNs = openSync("/proc/thread-self/ns/net", "r");
  linuxNative().enterNewNetns();
  const baseNs = openSync("/proc/thread-self/ns/net", "r");
  linuxNative().setUp("lo");
  const baseDir = mkdtempSync(join(tmpdir(), "vmnet-broker-scale-base-"));
  const base = createLinuxBackend({ runtimeDir: baseDir, sandboxed: true });
  const baseNetworks = [];
  const times = { large: [], base: [] };
  try {
    for (let i = 0; i < BASE; i++) baseNetworks.push(await base.createNetwork(config(`b${i}`, i)));
    await sleep(300);
    for (let pair = 0; pair < repeats; pair++) {
      for (const side of pair % 2 === 0 ? ["large", "base"] : ["base", "large"]) {
        linuxNative().enterNetns(side === "large" ? largeNs : baseNs);
        times[side].push(await createOneMore(side === "large" ? backend : base));
      }
    }
  } finally {
    linuxNative().enterNetns(baseNs);
    for (const network of baseNetworks) await network.destroy();
    rmSync(baseDir, { recursive: true, force: true });
    linuxNative().enterNetns(largeNs);
  }
  return {
    figure: `create one more network at N = ${live.length} / at N = ${BASE}`,
    large_ms: spread(times.large),
    base_ms: spread(times.base),
    ratio: spread(times.large.map((ms, i) => ms / times.base[i])),
    pairs: repeats,
  };
}

const live = [];
try {
  for (const n of levels) {
    while (live.length < n) live.push(await backend.createNetwork(config(`s${live.length}`, live.length)));
    await sleep(300);
    const helpers = [...processes()].filter(([, name]) => name !== "node").map(([pid]) => pid);
    const pss = helpers.reduce((sum, pid) => sum + pssKb(pid), 0);
    const times = [];
    const others = [];
    for (let r = 0; r < repeats; r++) {
      const before = helpers.map(cpuMs);
      times.push(await createOneMore(backend));
      await sleep(200); // let the others react to the new bridge and its removal
      others.push(helpers.map(cpuMs).reduce((sum, ms, i) => sum + ms - before[i], 0));
    }
    const line = {
      n,
      create_ms: [Math.min(...times), median(times), Math.max(...times)].map((x) => +x.toFixed(2)),
      others_cpu_ms: median(others),
      pss_kb_per_network: Math.round(pss / n),
      ...(await memoryPairs(n)),
    };
    console.log(JSON.stringify(line));
  }
  console.log(JSON.stringify(await creationPairs()));
} finally {
  for (const network of live) await network.destroy();
  rmSync(runtimeDir, { recursive: true, force: true });
}
