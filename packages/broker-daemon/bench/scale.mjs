// SPDX-License-Identifier: Apache-2.0
// Creation cost and memory as networks accumulate: at N = 1, 10, 50, 100, 200 live
// networks (static subnets 10.77.x.0/24 beyond the dynamic pool), the time to
// create and destroy one more, the CPU the N existing dnsmasq processes spend
// while it is created, and the memory per network (PSS of dnsmasq and its guard).
// One JSON line per N:
//   {"n", "create_ms": [min, median, max], "others_cpu_ms": median, "pss_kb_per_network"}
//
//   node bench/scale.mjs [LEVELS] [REPEATS]      (after `tsc -p .`, as root)
//
// It re-executes itself under `unshare --net --pid --fork --kill-child --mount-proc`
// so every object lives in a namespace made for this run and dies with it.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { benchNetworkConfig } from "./network-config.mjs";

const MARKER = "VMNET_BROKER_SCALE_SANDBOXED";
if (process.env[MARKER] !== "1") {
  const result = spawnSync(
    "unshare",
    ["--net", "--pid", "--fork", "--kill-child", "--mount-proc", "--", process.execPath, ...process.argv.slice(1)],
    { stdio: "inherit", env: { ...process.env, [MARKER]: "1" } },
  );
  process.exit(result.status ?? 1);
}

const levels = (process.argv[2] ?? "1,10,50,100,200").split(",").map(Number);
const repeats = Number(process.argv[3] ?? 5);
const dist = new URL("../dist/", import.meta.url);
const { createLinuxBackend, linuxNative } = await import(new URL("backend/linux/index.js", dist).href);

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
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

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
      const t0 = process.hrtime.bigint();
      const extra = await backend.createNetwork(config("extra", 250));
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      await sleep(200); // let the others react to the new bridge
      others.push(helpers.map(cpuMs).reduce((sum, ms, i) => sum + ms - before[i], 0));
      await extra.destroy();
    }
    const line = {
      n,
      create_ms: [Math.min(...times), median(times), Math.max(...times)].map((x) => +x.toFixed(2)),
      others_cpu_ms: median(others),
      pss_kb_per_network: Math.round(pss / n),
    };
    console.log(JSON.stringify(line));
  }
} finally {
  for (const network of live) await network.destroy();
  rmSync(runtimeDir, { recursive: true, force: true });
}
