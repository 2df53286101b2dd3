// SPDX-License-Identifier: Apache-2.0
/**
 * Removes what a killed broker left in this namespace: dnsmasq processes of this
 * namespace started with a config file in our runtime dir, nftables tables with our
 * prefix, and every bridge, TAP and veth with our prefixes, then the runtime
 * directories (except those of a dnsmasq alive in another namespace). Run once at
 * start, after adoption (adopt.ts) and before any network is created; what was
 * adopted is spared.
 */

import { readFileSync, readlinkSync } from "node:fs";
import { readdir, readFile, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { deleteLink, listLinks } from "./bridge.js";
import { isOurInterface } from "./names.js";
import { deleteFirewall, listOurTables } from "./nftables.js";
import { networksDir } from "./runtime-files.js";

const TERM_GRACE_MS = 2_000;

/** What was removed, for the daemon's log. */
export interface ReclaimReport {
  readonly dnsmasqPids: number[];
  readonly tables: string[];
  readonly interfaces: string[];
  readonly directories: string[];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The pid's arguments; empty when it is gone. */
export async function commandLine(pid: number): Promise<string[]> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0").filter((arg) => arg !== "");
  } catch {
    return [];
  }
}

/** SIGTERM, then SIGKILL after a grace period; the caller checked the pid is ours. */
export async function stopProcess(pid: number): Promise<void> {
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  const deadline = Date.now() + TERM_GRACE_MS;
  while (alive(pid) && Date.now() < deadline) await sleep(20);
  if (alive(pid)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Exited in between.
    }
  }
}

/** A dnsmasq started with a config file in our runtime dir. */
interface FoundDnsmasq {
  readonly pid: number;
  /** Its network's runtime directory. */
  readonly dir: string;
  /** True when it runs in this network namespace (a leftover of ours). */
  readonly here: boolean;
}

/** The pid's arguments, read synchronously (the start-up scan below); empty when it is gone. */
function commandLineNow(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8")
      .split("\0")
      .filter((arg) => arg !== "");
  } catch {
    return [];
  }
}

/**
 * dnsmasq processes started with a config file under `root`, found by a scan of
 * /proc (which also finds one killed mid-start, before it wrote its pid file).
 * Pids are reused, so only the command line decides. One in another network
 * namespace belongs to a live broker elsewhere that shares our runtime dir (two
 * sandboxed brokers): it is reported, never stopped.
 */
async function findDnsmasq(root: string): Promise<FoundDnsmasq[]> {
  const prefix = `--conf-file=${root}/`;
  let entries: string[] = [];
  try {
    entries = await readdir("/proc");
  } catch {
    return [];
  }
  // Read on this thread: the namespace that matters is the calling thread's.
  const ownNetns = netnsOf("/proc/thread-self/ns/net");
  const found: FoundDnsmasq[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    // Synchronous: this runs once, before the broker accepts, and a read of /proc
    // takes microseconds where readFile() costs four thread-pool trips per process.
    const argv = commandLineNow(pid);
    const program = argv[0] ?? "";
    const conf = argv.find((arg) => arg.startsWith(prefix));
    if (conf === undefined || !(program === "dnsmasq" || program.endsWith("/dnsmasq"))) continue;
    const here = netnsOf(`/proc/${pid}/ns/net`) === ownNetns;
    found.push({ pid, dir: dirname(conf.slice("--conf-file=".length)), here });
  }
  return found;
}

export function netnsOf(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

/** What an adoption took over: reclaiming leaves it alone. */
export interface Spared {
  readonly directories: ReadonlySet<string>;
  readonly tables: ReadonlySet<string>;
  readonly links: ReadonlySet<string>;
  readonly pids: ReadonlySet<number>;
}

const NOTHING_SPARED: Spared = { directories: new Set(), tables: new Set(), links: new Set(), pids: new Set() };

export async function reclaimLeftovers(runtimeDir: string, spared: Spared = NOTHING_SPARED): Promise<ReclaimReport> {
  const report: ReclaimReport = { dnsmasqPids: [], tables: [], interfaces: [], directories: [] };
  const root = networksDir(runtimeDir);
  const found = await findDnsmasq(root);
  const ours = found.filter((d) => d.here && !spared.pids.has(d.pid)).map((d) => d.pid);
  await Promise.all(ours.map((pid) => stopProcess(pid)));
  report.dnsmasqPids.push(...ours);
  const inUseElsewhere = new Set(found.filter((d) => !d.here).map((d) => d.dir));
  let entries: string[] = [];
  try {
    entries = await readdir(root);
  } catch {
    // No runtime dir yet: nothing was left.
  }
  for (const entry of entries) {
    const dir = join(root, entry);
    if (inUseElsewhere.has(dir) || spared.directories.has(dir)) continue;
    await rm(dir, { recursive: true, force: true });
    report.directories.push(dir);
  }
  for (const table of listOurTables()) {
    if (spared.tables.has(table)) continue;
    deleteFirewall(table);
    report.tables.push(table);
  }
  for (const name of listLinks()) {
    if (!isOurInterface(name) || spared.links.has(name)) continue;
    deleteLink(name);
    report.interfaces.push(name);
  }
  return report;
}
