// SPDX-License-Identifier: Apache-2.0
/**
 * Child processes started in their own process group, so that "kill" reaches
 * everything a program started (a wrapper script and its runtime alike).
 */
import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";
import { constants } from "node:os";

export interface GroupChild {
  child: ChildProcess;
  /** Resolves with the exit code (or 128+signal) once the process is gone. */
  exited: Promise<number>;
  hasExited(): boolean;
}

/** Every group still running, so that an interrupted runner can kill them all. */
const live = new Set<GroupChild>();

export function spawnGroup(command: string, args: readonly string[], options: SpawnOptions): GroupChild {
  const child = spawn(command, args, { ...options, detached: true });
  let done = false;
  const exited = new Promise<number>((resolve) => {
    child.once("error", () => {
      done = true;
      resolve(127);
    });
    child.once("exit", (code, signal) => {
      done = true;
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
  const g: GroupChild = { child, exited, hasExited: () => done };
  live.add(g);
  void exited.then(() => live.delete(g));
  return g;
}

/** SIGKILL every group this process started that is still running (on SIGINT/SIGTERM). */
export function killAllGroups(): void {
  for (const g of live) signalGroup(g, "SIGKILL");
}

/** Sends a signal to the whole group; a group that is already gone is fine. */
export function signalGroup(g: GroupChild, signal: NodeJS.Signals): void {
  if (g.child.pid === undefined || g.hasExited()) return;
  try {
    process.kill(-g.child.pid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ESRCH") throw e;
  }
}

/** Resolves true if the process exited within ms. */
export async function exitedWithin(g: GroupChild, ms: number): Promise<boolean> {
  if (g.hasExited()) return true;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const result = await Promise.race([g.exited.then(() => true as const), timeout]);
  clearTimeout(timer);
  return result;
}

/** SIGTERM, then SIGKILL after graceMs; always resolves once the process is gone. */
export async function stopGroup(g: GroupChild, graceMs: number): Promise<void> {
  if (graceMs > 0) {
    signalGroup(g, "SIGTERM");
    if (await exitedWithin(g, graceMs)) {
      signalGroup(g, "SIGKILL"); // stragglers of the group
      return;
    }
  }
  signalGroup(g, "SIGKILL");
  await exitedWithin(g, 10_000);
}

/** Keeps the last `limit` characters of a stream, for failure reports. */
export class Tail {
  #text = "";
  constructor(private readonly limit: number) {}
  push(chunk: string): void {
    this.#text = (this.#text + chunk).slice(-this.limit);
  }
  get text(): string {
    return this.#text;
  }
}
