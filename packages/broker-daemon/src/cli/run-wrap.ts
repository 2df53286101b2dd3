// SPDX-License-Identifier: Apache-2.0
import { spawn } from "node:child_process";
import { closeSync } from "node:fs";
import { constants } from "node:os";

/** The command `run` starts, with its placeholders filled. */
export interface PreparedCommand {
  /** As the user wrote it (the command's argv[0]). */
  readonly file: string;
  /** Where it was found. */
  readonly path: string;
  readonly args: readonly string[];
  readonly env: Record<string, string | undefined>;
  /** The numbers the TAP fds take in the command. */
  readonly fds: readonly number[];
}

/**
 * `run --wrap`: the command runs as this process's child while this process
 * holds the (connection-held) lease, and exits with the command's status. The
 * child gets SIGKILL when this process dies, even by kill -9
 * (PR_SET_PDEATHSIG through `setpriv --pdeathsig KILL`), so a VM never runs on a
 * TAP whose lease is gone. SIGINT and SIGTERM are passed on to it.
 */
export async function wrapCommand(command: PreparedCommand, tapFds: readonly number[]): Promise<number> {
  // Node maps stdio[i] = fd onto the child's descriptor i; the gap below the
  // first TAP number is filled with "ignore" (/dev/null), which is harmless.
  const stdio: Array<"inherit" | "ignore" | number> = ["inherit", "inherit", "inherit"];
  const first = command.fds[0] as number;
  while (stdio.length < first) stdio.push("ignore");
  stdio.push(...tapFds);
  const env = Object.fromEntries(Object.entries(command.env).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv;
  const child = spawn("setpriv", ["--pdeathsig", "KILL", "--", command.path, ...command.args], { stdio, env });
  // The child has its own copies now; ours would keep the TAP alive after it exits.
  for (const fd of tapFds) closeSync(fd);
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once("error", (error) => reject(new Error(`cannot run setpriv for ${command.file}: ${error.message}`)));
      child.once("exit", (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
    });
  } finally {
    process.off("SIGINT", forward);
    process.off("SIGTERM", forward);
  }
}
