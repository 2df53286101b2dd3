// SPDX-License-Identifier: Apache-2.0
import { DEFAULT_CONFIG_DIR, loadConfig } from "../config/load.js";
import { parse } from "./parse.js";

export async function checkConfigCommand(args: string[]): Promise<number> {
  const { values } = parse("check-config", args, { "config-dir": { type: "string" } });
  const dir = values["config-dir"] ?? DEFAULT_CONFIG_DIR;
  // A directory named on the command line must exist; the default may be absent
  // (built-in networks only), as it is for the daemon.
  const config = await loadConfig(dir, { requireDirectory: values["config-dir"] !== undefined });
  for (const [name, network] of config.networks) {
    const subnet = network.subnet ? `${network.subnet}/${network.mask}` : "dynamic subnet";
    process.stdout.write(`ok     ${name.padEnd(16)} ${network.mode.padEnd(6)} ${subnet.padEnd(30)} ${network.source}\n`);
  }
  for (const error of config.errors) process.stdout.write(`error  ${error}\n`);
  process.stdout.write(config.errors.length === 0 ? `${dir}: configuration is valid\n` : `${dir}: ${config.errors.length} problem(s)\n`);
  return config.errors.length === 0 ? 0 : 1;
}
