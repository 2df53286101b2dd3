// SPDX-License-Identifier: Apache-2.0
/**
 * Which recorded networks a new broker may take over: each record (records.ts)
 * is checked against what the kernel really has. A network is adoptable when its
 * bridge exists with the recorded name and subnet, its nftables table exists, and
 * at least one recorded interface still exists as a port of that bridge. Anything
 * else is left to reclaimLeftovers(): a record that does not parse or does not
 * match is reported, and a network with nothing attached is simply removed.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { formatIPv4, parseIPv4 } from "../../config/ipv4.js";
import type { InterfaceNote } from "../../core/backend.js";
import { type LinkFacts, linkFacts } from "./bridge.js";
import { commandLine, netnsOf, stopProcess } from "./leftovers.js";
import { vxlanName } from "./names.js";
import { linuxNative } from "./native.js";
import type { Ipv4AddressEntry } from "./native-surface.js";
import { listOurTables } from "./nftables.js";
import { type NetworkRecord, parseRecord, RECORD_FILE } from "./records.js";
import { networksDir } from "./runtime-files.js";

/** A record that matches the kernel, with the interfaces still attached. */
export interface Adoptable {
  readonly dir: string;
  readonly path: string;
  readonly record: NetworkRecord;
  readonly attached: readonly InterfaceNote[];
}

/** A directory whose network will be reclaimed, and why (for the log). */
export interface NotAdopted {
  readonly dir: string;
  readonly reason: string;
  /** True when the record itself was bad or did not match (a warning, not routine). */
  readonly suspicious: boolean;
}

export interface Survey {
  readonly adoptable: Adoptable[];
  readonly notAdopted: NotAdopted[];
}

/** What the kernel has, read once for every record. */
export interface KernelFacts {
  readonly links: ReadonlyMap<string, LinkFacts>;
  readonly tables: ReadonlySet<string>;
  readonly addresses: readonly Ipv4AddressEntry[];
}

/** One link dump, one table dump, one address dump: no child process. */
export function readKernelFacts(): KernelFacts {
  const links = linkFacts();
  return { links, tables: new Set(listOurTables()), addresses: linuxNative().ipv4AddressesAndRoutes().addresses };
}

/** Checks a valid record against the kernel: the attached interfaces, or why not. */
export function matchRecord(
  record: NetworkRecord,
  kernel: KernelFacts,
): { attached: InterfaceNote[] } | { mismatch: string } | { idle: string } {
  const bridge = kernel.links.get(record.bridge);
  if (bridge === undefined) return { mismatch: `bridge ${record.bridge} is gone` };
  if (bridge.kind !== "bridge") return { mismatch: `${record.bridge} is a ${bridge.kind || "link"}, not a bridge` };
  const gateway = formatIPv4((parseIPv4(record.ipv4.network) ?? 0) + 1);
  const addressed = kernel.addresses.some((a) => a.ifname === record.bridge && a.local === gateway && a.prefix === record.ipv4.prefix);
  const overlay = record.definition.overlay;
  // An overlay host that does not serve the segment has a bridge without addresses.
  if (!addressed && (overlay?.servesDhcp ?? true)) {
    return { mismatch: `${record.bridge} does not have ${gateway}/${record.ipv4.prefix} (the recorded subnet)` };
  }
  if (overlay !== undefined) {
    const device = vxlanName(record.name);
    const link = kernel.links.get(device);
    if (link?.kind !== "vxlan" || link.master !== record.bridge)
      return { mismatch: `VXLAN device ${device} is not a port of ${record.bridge}` };
  }
  if (!kernel.tables.has(record.table)) return { mismatch: `nftables table ${record.table} is gone` };
  // A named TAP was held by a connection to the previous broker, which has
  // ended: it is reclaimed with the leftovers, not adopted.
  const attached = record.interfaces.filter((i) => !i.named && kernel.links.get(i.name)?.master === record.bridge);
  if (attached.length === 0) return { idle: "no recorded interface is attached any more" };
  return { attached };
}

/** Reads and checks every record under the runtime dir. */
export async function surveyRecords(runtimeDir: string): Promise<Survey> {
  const root = networksDir(runtimeDir);
  let entries: string[] = [];
  try {
    entries = await readdir(root);
  } catch {
    return { adoptable: [], notAdopted: [] };
  }
  const survey: Survey = { adoptable: [], notAdopted: [] };
  let kernel: KernelFacts | undefined;
  for (const entry of entries) {
    const dir = join(root, entry);
    const path = join(dir, RECORD_FILE);
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch {
      survey.notAdopted.push({ dir, reason: "no record", suspicious: false });
      continue;
    }
    const parsed = parseRecord(dir, text);
    if (!parsed.ok) {
      survey.notAdopted.push({ dir, reason: `bad record: ${parsed.reason}`, suspicious: true });
      continue;
    }
    kernel ??= readKernelFacts();
    const match = matchRecord(parsed.record, kernel);
    if ("mismatch" in match) survey.notAdopted.push({ dir, reason: `record does not match: ${match.mismatch}`, suspicious: true });
    else if ("idle" in match) survey.notAdopted.push({ dir, reason: match.idle, suspicious: false });
    else survey.adoptable.push({ dir, path, record: parsed.record, attached: match.attached });
  }
  return survey;
}

/**
 * Stops the recorded dnsmasq when it still runs (it dies with its broker, but may
 * not be gone yet), so that the new one can bind. Only a process of this network
 * namespace whose command line is dnsmasq with this very config file is signalled.
 */
export async function stopRecordedDnsmasq(record: NetworkRecord): Promise<void> {
  if (record.dnsmasq === null) return;
  const { pid, conf } = record.dnsmasq;
  const argv = await commandLine(pid);
  const program = argv[0] ?? "";
  const isDnsmasq = program === "dnsmasq" || program.endsWith("/dnsmasq");
  const here = netnsOf(`/proc/${pid}/ns/net`) === netnsOf("/proc/thread-self/ns/net");
  if (isDnsmasq && here && argv.includes(`--conf-file=${conf}`)) await stopProcess(pid);
}
