// SPDX-License-Identifier: Apache-2.0
// Turns run.sh's results (one JSON object per line: {kind, side, result}) into the
// markdown table that bench/README.md shows: each broker number next to its floor
// from the same run, the ratio, and whether the goal is met.
//   node summarize.mjs results.jsonl
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";

const rows = readFileSync(process.argv[2], "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line) => JSON.parse(line));

const pick = (kind, side) => rows.filter((r) => r.kind === kind && r.side === side).map((r) => r.result);
const one = (kind, side) => {
  const [first] = pick(kind, side);
  if (first === undefined) throw new Error(`results: no ${kind}/${side} line`);
  return first;
};
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const fmt = (n, digits = 1) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const verdict = (ok) => (ok ? "yes" : "**no**");

const table = ["| measurement | broker | floor | ratio broker/floor | goal | met |", "|---|---:|---:|---:|---|---|"];

const warmBroker = pick("warm", "broker");
const warmFloor = pick("warm", "floor");
if (warmBroker.length === 0 || warmFloor.length === 0) throw new Error("results: no warm lines");
const medianOf = (results, field) => median(results.map((r) => r[field]));
const p50B = medianOf(warmBroker, "p50_us");
const p50F = medianOf(warmFloor, "p50_us");
const p99B = medianOf(warmBroker, "p99_us");
const p99F = medianOf(warmFloor, "p99_us");
const rounds = `median of ${warmBroker.length} rounds of ${warmBroker[0].requests.toLocaleString("en-US")} requests`;
table.push(
  `| 1. warm acquire p50 (µs; 1 connection, ${rounds}) | ${fmt(p50B)} | ${fmt(p50F)} | ${fmt(p50B / p50F, 2)}x | within 3x | ${verdict(p50B / p50F <= 3)} |`,
  `| 1. warm acquire p99 (µs) | ${fmt(p99B)} | ${fmt(p99F)} | ${fmt(p99B / p99F, 2)}x | | |`,
);

for (const [layout, what] of [
  ["0", "client and server on CPU 0"],
  ["1", "server on CPU 0, client on CPU 1"],
]) {
  const b = pick(`pinned-${layout}`, "broker");
  const f = pick(`pinned-${layout}`, "floor");
  if (b.length === 0 || f.length === 0) continue;
  const ratios = b.map((r, i) => r.p50_us / f[i].p50_us).sort((x, y) => x - y);
  const spread = `${fmt(ratios[0], 2)} / ${fmt(median(ratios), 2)} / ${fmt(ratios.at(-1), 2)}`;
  const goal = layout === "0" ? "within 2x" : "";
  const met = layout === "0" ? verdict(median(ratios) <= 2) : "";
  table.push(
    `| 1b. warm p50 pinned, ${what} (µs; min / median / max of ${b.length} pair ratios) | ${fmt(medianOf(b, "p50_us"))} | ${fmt(medianOf(f, "p50_us"))} | ${spread} | ${goal} | ${met} |`,
  );
  const cpuB = pick(`pinned-${layout}-cpu`, "broker").map((r) => (r.cpu_ms * 1000) / r.requests);
  const cpuF = pick(`pinned-${layout}-cpu`, "floor").map((r) => (r.cpu_ms * 1000) / r.requests);
  if (cpuB.length > 0 && cpuF.length > 0) {
    table.push(
      `| 1b. server CPU per request, ${what} (µs) | ${fmt(median(cpuB))} | ${fmt(median(cpuF))} | ${fmt(median(cpuB) / Math.max(median(cpuF), 0.01), 2)}x | | |`,
    );
  }
}

const coldBroker = pick("cold", "broker");
const coldFloor = pick("cold", "floor");
if (coldBroker.length === 0 || coldFloor.length === 0) {
  table.push("| 2. cold `shared` until DHCPOFFER | not measured in this run | | | within 1.2x | |");
} else {
  // Each figure: the ratio of the medians, then min / median / max of the ratios of
  // the alternating pairs (broker run i, floor run i).
  const cold = (broker, floor) => {
    const b = coldBroker.map(broker);
    const f = coldFloor.map(floor);
    const ratios = b
      .slice(0, f.length)
      .map((x, i) => x / f[i])
      .sort((x, y) => x - y);
    const ratio = median(b) / median(f);
    const pairs = `${fmt(ratios[0], 2)} / ${fmt(median(ratios), 2)} / ${fmt(ratios.at(-1), 2)}`;
    return { b: fmt(median(b)), f: fmt(median(f)), ratio, cell: `${fmt(ratio, 2)}x (pairs ${pairs})` };
  };
  const total = cold(
    (r) => r.total_ms,
    (r) => r.total_ms,
  );
  const pre = cold(
    (r) => r.total_ms - r.dhcp_ms,
    (r) => r.total_ms - r.dhcp_ms,
  );
  const net = cold(
    (r) => r.acquire_ms,
    (r) => r.network_ms,
  );
  const veth = cold(
    (r) => r.attach_ms,
    (r) => r.attach_ms,
  );
  const dhcp = cold(
    (r) => r.dhcp_ms,
    (r) => r.dhcp_ms,
  );
  const row = (label, c, goal = "", met = "") => `| ${label} | ${c.b} | ${c.f} | ${c.cell} | ${goal} | ${met} |`;
  const vethFloor = process.env.BENCH_FLOOR_VETH === "ip" ? "ip commands" : "the addon's calls (veth-floor.mjs)";
  table.push(
    row(`2. cold \`shared\` until DHCPOFFER, median of ${coldBroker.length} (ms)`, total, "within 1.2x", verdict(total.ratio <= 1.2)),
    row("2a. of which: network + guest veth ready (ms)", pre),
    row("2a. network alone: acquire reply / floor script (ms)", net),
    row(`2a. guest veth alone: open_interface reply / ${vethFloor} (ms)`, veth),
    row("2b. of which: first DISCOVER until OFFER (ms)", dhcp),
  );
}

for (const clients of [1, 10, 100]) {
  const b = medianOf(pick(`rate-${clients}`, "broker"), "per_second");
  const f = medianOf(pick(`rate-${clients}`, "floor"), "per_second");
  table.push(
    `| 3. acquires/s, ${clients} connection${clients > 1 ? "s" : ""} (median of rounds) | ${fmt(b, 0)} | ${fmt(f, 0)} | ${fmt(b / f, 2)}x | | |`,
  );
}

const idle = one("rss", "broker-idle");
const held = one("rss", "broker-peers");
const heldMb = held.rss_kb / 1024;
table.push(
  `| 4. broker RSS idle (MB) | ${fmt(idle.rss_kb / 1024)} | | | | |`,
  `| 4. broker RSS, ${held.peers} peers holding \`shared\` (MB; broker counted ${held.references} references) | ${fmt(heldMb)} | ${fmt(idle.rss_kb / 1024)} (idle) | ${fmt(held.rss_kb / idle.rss_kb, 2)}x | under 100 MB | ${verdict(heldMb < 100 && held.references === held.peers)} |`,
  `| 4. memory per peer (kB) | ${fmt((held.rss_kb - idle.rss_kb) / held.peers)} | | | | |`,
);

const model = cpus()[0]?.model ?? "unknown CPU";
const startLoad = pick("machine", "start")[0]?.loadavg ?? "?";
const sizes = `request ${warmBroker[0].request_bytes} bytes, reply ${warmBroker[0].reply_bytes} bytes`;
console.log(
  `Machine: ${cpus().length} cores, ${model}; ${sizes}; load average ${startLoad} at the start, ${loadavg()[0].toFixed(2)} at the end.\n`,
);
console.log(table.join("\n"));
