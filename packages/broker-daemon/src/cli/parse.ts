// SPDX-License-Identifier: Apache-2.0
import { type ParseArgsConfig, parseArgs } from "node:util";
import { defaultClientSocket } from "./runtime-paths.js";
import { UsageError } from "./usage-error.js";

/** parseArgs that turns its errors into UsageError for the given command. */
export function parse<T extends NonNullable<ParseArgsConfig["options"]>>(
  command: string,
  args: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message, command);
  }
}

/**
 * The socket a client command talks to: --socket, else $VMNET_BROKER_SOCKET
 * unless empty (empty means unset, as in every client), else the default.
 */
export function socketPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, fallback = defaultClientSocket): string {
  return flag ?? (env.VMNET_BROKER_SOCKET || fallback());
}

export function integer(command: string, flag: string, text: string | undefined, fallback: number, min = 0): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new UsageError(`--${flag} must be an integer >= ${min}, not '${text}'`, command);
  return value;
}
