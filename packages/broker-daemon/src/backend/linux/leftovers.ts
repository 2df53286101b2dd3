/**
 * Removes what a killed broker left in this namespace: dnsmasq processes named by
 * pid files in our runtime dir, nftables tables with our prefix, and every bridge,
 * TAP and veth with our prefixes. Run once at start, before any network exists.
 */
import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { deleteLink, listLinks } from "./bridge.js";
import { isOurInterface } from "./names.js";
import { deleteFirewall, listOurTables } from "./nftables.js";
import { dnsmasqFiles, networksDir } from "./runtime-files.js";

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

/** The pid's command line, NUL-separated arguments joined by spaces; "" when gone. */
async function commandLine(pid: number): Promise<string> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0").join(" ");
  } catch {
    return "";
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

/** Kills the dnsmasq of one leftover network directory, if it still runs. */
async function reclaimDnsmasq(dir: string): Promise<number | undefined> {
  const files = dnsmasqFiles(dir);
  let pid: number;
  try {
    pid = Number.parseInt((await readFile(files.pid, "utf8")).trim(), 10);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 1) return undefined;
  // Pids are reused: only a dnsmasq started with this directory's config is ours.
  const cmdline = await commandLine(pid);
  if (!cmdline.includes("dnsmasq") || !cmdline.includes(files.conf)) return undefined;
  await stopProcess(pid);
  return pid;
}

export async function reclaimLeftovers(runtimeDir: string): Promise<ReclaimReport> {
  const report: ReclaimReport = { dnsmasqPids: [], tables: [], interfaces: [], directories: [] };
  const root = networksDir(runtimeDir);
  let entries: string[] = [];
  try {
    entries = await readdir(root);
  } catch {
    // No runtime dir yet: nothing was left.
  }
  for (const entry of entries) {
    const dir = join(root, entry);
    const pid = await reclaimDnsmasq(dir);
    if (pid !== undefined) report.dnsmasqPids.push(pid);
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
