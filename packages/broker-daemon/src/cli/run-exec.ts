// SPDX-License-Identifier: Apache-2.0
import { closeSync } from "node:fs";
import { linuxNative } from "../backend/linux/native.js";
import type { PreparedCommand } from "./run-wrap.js";

/**
 * The default `run`: this process becomes the command (same pid), with the TAP
 * fds placed at their numbers. The TAP is interface-held, so it holds the
 * network for exactly as long as the command (or anything it passes the fds
 * to) keeps them open; no parent is left whose death could detach it.
 * Returns only when exec fails: 127 when the file is gone, else 126.
 */
export function execCommand(command: PreparedCommand, tapFds: readonly number[]): number {
  const placements = tapFds.map((from, i) => ({ from, to: command.fds[i] as number }));
  try {
    linuxNative().exec(command.path, [command.file, ...command.args], command.env, placements);
  } catch (error) {
    for (const fd of tapFds) closeSync(fd);
    process.stderr.write(`vmnet-broker: run: cannot run ${command.file}: ${(error as Error).message}\n`);
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? 127 : 126;
  }
  throw new Error("exec returned");
}
