/**
 * Removes what a killed broker left in this namespace: dnsmasq processes started
 * with a config file in our runtime dir, nftables tables with our prefix, and every bridge,
 * TAP and veth with our prefixes. Run once at start, before any network exists.
 */
import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
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
async function commandLine(pid: number): Promise<string[]> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0").filter((arg) => arg !== "");
  } catch {
    return [];
  }
}

async function stopProcess(pid: number): Promise<void> {
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

/**
 * Pids of dnsmasq processes started with a config file under `root`: the pid
 * files name them, and a scan of /proc also finds one killed mid-start, before
 * it wrote its pid file. Pids are reused, so only the command line decides.
 */
async function ourDnsmasqPids(root: string): Promise<number[]> {
  const prefix = `--conf-file=${root}/`;
  let entries: string[] = [];
  try {
    entries = await readdir("/proc");
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const argv = await commandLine(pid);
    const program = argv[0] ?? "";
    if ((program === "dnsmasq" || program.endsWith("/dnsmasq")) && argv.some((arg) => arg.startsWith(prefix))) {
      pids.push(pid);
    }
  }
  return pids;
}

export async function reclaimLeftovers(runtimeDir: string): Promise<ReclaimReport> {
  const report: ReclaimReport = { dnsmasqPids: [], tables: [], interfaces: [], directories: [] };
  const root = networksDir(runtimeDir);
  const pids = await ourDnsmasqPids(root);
  await Promise.all(pids.map((pid) => stopProcess(pid)));
  report.dnsmasqPids.push(...pids);
  let entries: string[] = [];
  try {
    entries = await readdir(root);
  } catch {
    // No runtime dir yet: nothing was left.
  }
  for (const entry of entries) {
    const dir = join(root, entry);
    await rm(dir, { recursive: true, force: true });
    report.directories.push(dir);
  }
  for (const table of await listOurTables()) {
    await deleteFirewall(table);
    report.tables.push(table);
  }
  for (const name of await listLinks()) {
    if (!isOurInterface(name)) continue;
    await deleteLink(name);
    report.interfaces.push(name);
  }
  return report;
}
