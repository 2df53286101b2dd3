import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { BUILTIN_NETWORKS } from "./builtin.js";
import type { NetworkConfig } from "./network-config.js";
import { parseNetworkFile } from "./parse-network.js";
import { type AccountDatabase, systemAccounts } from "./users.js";

export const DEFAULT_CONFIG_DIR = "/etc/vmnet-broker.d";

/** The networks a broker offers, and the problems that made others unavailable. */
export interface LoadedConfig {
  readonly networks: ReadonlyMap<string, NetworkConfig>;
  /** One line per problem, each naming the file and the field. */
  readonly errors: readonly string[];
  /** Names whose file is broken: they are not offered (not even as a built-in). */
  readonly broken: ReadonlySet<string>;
}

/**
 * Loads the built-in networks and every *.json in dir. A bad file makes only its
 * own network unavailable; a missing directory means built-ins only.
 */
export function loadConfig(dir: string, accounts: AccountDatabase = systemAccounts()): LoadedConfig {
  const networks = new Map(BUILTIN_NETWORKS.map((n) => [n.name, n]));
  const errors: string[] = [];
  const broken = new Set<string>();
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith(".json"))
      .sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") errors.push(`${dir}: cannot read the directory: ${(e as Error).message}`);
    files = [];
  }
  for (const file of files) {
    const path = join(dir, file);
    const name = basename(file, ".json");
    let body: unknown;
    try {
      body = JSON.parse(readFileSync(path, "utf8"));
    } catch (e) {
      errors.push(`${path}: not valid JSON: ${(e as Error).message}`);
      broken.add(name);
      networks.delete(name);
      continue;
    }
    const result = parseNetworkFile(path, name, body, accounts);
    if (result.ok) networks.set(name, result.config);
    else {
      errors.push(...result.errors);
      broken.add(name);
      networks.delete(name);
    }
  }
  return { networks, errors, broken };
}
