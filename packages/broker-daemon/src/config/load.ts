// SPDX-License-Identifier: Apache-2.0
import { readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { BUILTIN_NETWORKS } from "./builtin.js";
import type { NetworkConfig } from "./network-config.js";
import { findOverlaps, type Overlap } from "./overlaps.js";
import { findOverlayClashes } from "./overlay-clashes.js";
import { parseJson } from "./parse-json.js";
import { parseNetworkFile } from "./parse-network.js";
import { findPortClashes } from "./port-clashes.js";
import { ConfigFileError, readConfigFile } from "./read-config-file.js";
import { type AccountDatabase, systemAccounts } from "./users.js";

export const DEFAULT_CONFIG_DIR = "/etc/vmnet-broker.d";
/** More files than this are not read: each network costs status and reply space. */
export const MAX_CONFIG_FILES = 256;

/** The networks a broker offers, and the problems that made others unavailable. */
export interface LoadedConfig {
  readonly networks: ReadonlyMap<string, NetworkConfig>;
  /** One line per problem, each naming the file and the field. */
  readonly errors: readonly string[];
  /** Names whose file is broken: offered only with their last good definition, if any. */
  readonly broken: ReadonlySet<string>;
}

export interface LoadOptions {
  readonly accounts?: AccountDatabase;
  /** The configuration in force (reload): a network whose file broke keeps its definition from here. */
  readonly previous?: LoadedConfig;
  /** Report a missing directory as an error instead of offering the built-ins alone. */
  readonly requireDirectory?: boolean;
}

/** The built-in networks alone, as loadConfig gives them for a missing directory. */
export function builtinConfig(): LoadedConfig {
  return { networks: new Map(BUILTIN_NETWORKS.map((n) => [n.name, n])), errors: [], broken: new Set() };
}

/**
 * Loads the built-in networks and every *.json in dir, off the event loop. A bad
 * file makes only its own network unavailable, or, on reload, leaves its last good
 * definition in force; a missing directory means built-ins only.
 */
export async function loadConfig(dir: string, options: LoadOptions = {}): Promise<LoadedConfig> {
  const accounts = options.accounts ?? systemAccounts();
  const networks = new Map(BUILTIN_NETWORKS.map((n) => [n.name, n]));
  const errors: string[] = [];
  const broken = new Set<string>();
  const listing = await listDirectory(dir, options.requireDirectory ?? false);
  if ("error" in listing) {
    errors.push(listing.error);
    // Every network from the directory is as good as broken: keep what was in force.
    for (const previous of options.previous?.networks.values() ?? []) {
      if (previous.source !== "built-in") broken.add(previous.name);
    }
  }
  for (const file of "files" in listing ? listing.files : []) {
    const path = join(dir, file);
    const name = basename(file, ".json");
    const result = await loadFile(path, name, accounts);
    if (result.ok) networks.set(name, result.config);
    else {
      errors.push(...result.errors);
      broken.add(name);
      networks.delete(name);
    }
  }
  for (const name of broken) {
    const lastGood = options.previous?.networks.get(name);
    if (lastGood === undefined || lastGood.source === "built-in") continue;
    networks.set(name, lastGood);
    errors.push(`${lastGood.source}: keeping the last good definition of '${name}' until the file is fixed`);
  }
  const drop = (clash: Overlap) => {
    if (!networks.has(clash.dropped.name)) return;
    errors.push(clash.message);
    broken.add(clash.dropped.name);
    networks.delete(clash.dropped.name);
  };
  [...findOverlaps([...networks.values()]), ...findOverlayClashes([...networks.values()])].forEach(drop);
  // Ports only among the networks that survived: a dropped network claims none.
  findPortClashes([...networks.values()]).forEach(drop);
  return { networks, errors, broken };
}

async function listDirectory(dir: string, required: boolean): Promise<{ files: string[] } | { error: string }> {
  try {
    const stats = await stat(dir);
    if (!stats.isDirectory()) return { error: `${dir}: not a directory` };
    if (stats.mode & 0o002) return { error: `${dir}: writable by every user; make it writable by root only` };
    const files = (await readdir(dir)).filter((f) => f.endsWith(".json")).sort();
    if (files.length > MAX_CONFIG_FILES) {
      return { error: `${dir}: ${files.length} *.json files; at most ${MAX_CONFIG_FILES} are read` };
    }
    return { files };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && !required) return { files: [] };
    return { error: `${dir}: cannot read the directory: ${code === "ENOENT" ? "it does not exist" : (e as Error).message}` };
  }
}

type FileResult = { ok: true; config: NetworkConfig } | { ok: false; errors: string[] };

async function loadFile(path: string, name: string, accounts: AccountDatabase): Promise<FileResult> {
  let text: string;
  try {
    text = await readConfigFile(path);
  } catch (e) {
    const why = e instanceof ConfigFileError ? e.message : `cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"})`;
    return { ok: false, errors: [`${path}: ${why}`] };
  }
  const json = parseJson(text);
  if (!json.ok) return { ok: false, errors: [`${path}: ${json.error}`] };
  return parseNetworkFile(path, name, json.value, accounts);
}
