// SPDX-License-Identifier: Apache-2.0
/**
 * Guest network namespaces for tests, e2e runs and the conformance runner: a
 * long-lived `unshare --net sleep infinity` child. It carries the parent-death
 * signal (setpriv --pdeathsig KILL), so a guest never outlives the process that
 * made it, and nothing is left in /run/netns.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { openSync, readlinkSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { runTool } from "../backend/linux/run-tool.js";

/** Safety limit for the namespace to appear. */
const START_LIMIT_MS = 5_000;

export interface Guest {
  readonly name: string;
  /** Pid of the process holding the namespace. */
  readonly pid: number;
  /** /proc/<pid>/ns/net: give it to nsenter, or open it to send as an fd. */
  readonly netnsPath: string;
  /** A fresh O_RDONLY fd on the namespace (the caller closes it). */
  openNetnsFd(): number;
  /** Runs `file args...` inside the namespace; resolves with stdout. */
  run(file: string, args?: readonly string[], input?: string): Promise<string>;
  /** Kills the holder; the namespace and its interfaces vanish. */
  remove(): Promise<void>;
}

function netnsOf(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Creates a guest namespace with `lo` up. `name` is only for messages. */
export async function createGuest(name: string): Promise<Guest> {
  const own = netnsOf("/proc/thread-self/ns/net");
  const child = spawn("setpriv", ["--pdeathsig", "KILL", "--", "unshare", "--net", "--", "sleep", "infinity"], {
    stdio: "ignore",
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`guest ${name}: could not start unshare`);
  const netnsPath = `/proc/${pid}/ns/net`;
  const deadline = Date.now() + START_LIMIT_MS;
  for (;;) {
    if (exited(child)) throw new Error(`guest ${name}: unshare --net exited (${child.signalCode ?? child.exitCode})`);
    const current = netnsOf(netnsPath);
    // unshare(2) has run once the holder's namespace differs from ours.
    if (current !== undefined && current !== own) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`guest ${name}: namespace did not appear`);
    }
    await sleep(5);
  }

  const run = (file: string, args: readonly string[] = [], input?: string) =>
    runTool("nsenter", [`--net=${netnsPath}`, "--", file, ...args], input === undefined ? {} : { input });
  await run("ip", ["link", "set", "lo", "up"]);

  return {
    name,
    pid,
    netnsPath,
    openNetnsFd: () => openSync(netnsPath, "r"),
    run,
    remove: async () => {
      if (exited(child)) return;
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGKILL");
      await gone;
    },
  };
}
