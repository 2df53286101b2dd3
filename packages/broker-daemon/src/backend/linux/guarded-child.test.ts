// SPDX-License-Identifier: Apache-2.0
/** The guard takes its program along when the broker dies, even after the program dropped root. */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { guardedCommand } from "./guarded-child.js";

let dir = "";
afterEach(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

/** The state letter of a process ("S", "Z", ...), or "gone". */
function state(pid: number): string {
  try {
    return /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? "gone";
  } catch {
    return "gone";
  }
}

async function pidFromFile(path: string): Promise<number> {
  for (let i = 0; i < 500; i++) {
    try {
      const pid = Number.parseInt(readFileSync(path, "utf8"), 10);
      if (pid > 0) return pid;
    } catch {
      // not yet written
    }
    await sleep(10);
  }
  throw new Error(`${path} was never written`);
}

async function waitUntilDead(pid: number): Promise<void> {
  for (let i = 0; i < 300 && /^[RSD]/.test(state(pid)); i++) await sleep(10);
}

/** A program that records its pid, then gives up root like dnsmasq does, and sleeps. */
function uidDroppingProgram(pidFile: string): string[] {
  return ["sh", "-c", 'echo $$ > "$1"; exec setpriv --reuid 65534 --regid 65534 --clear-groups sleep 300', "prog", pidFile];
}

describe("guardedCommand", () => {
  it("kills the program when its parent is killed with SIGKILL", async () => {
    dir = mkdtempSync(join(tmpdir(), "vmnet-broker-guard-"));
    const pidFile = join(dir, "pid");
    const { file, args } = guardedCommand(uidDroppingProgram(pidFile));
    // A stand-in for the broker: it starts the guard, then gets killed.
    const script = `require("child_process").spawn(${JSON.stringify(file)}, ${JSON.stringify(args)}, { stdio: "ignore" }); setInterval(() => {}, 1000);`;
    const broker = spawn(process.execPath, ["-e", script], { stdio: "ignore" });
    try {
      const program = await pidFromFile(pidFile);
      for (let i = 0; i < 100 && !readFileSync(`/proc/${program}/status`, "utf8").includes("Uid:\t65534"); i++) await sleep(10);
      expect(readFileSync(`/proc/${program}/status`, "utf8")).toMatch(/^Uid:\s+65534/m);
      broker.kill("SIGKILL");
      await waitUntilDead(program);
      expect(state(program)).not.toMatch(/^[RSD]/);
    } finally {
      broker.kill("SIGKILL");
    }
  });

  it("passes SIGTERM on and exits with the program's status", async () => {
    dir = mkdtempSync(join(tmpdir(), "vmnet-broker-guard-"));
    const pidFile = join(dir, "pid");
    const program = ["sh", "-c", 'echo $$ > "$1"; trap "exit 7" TERM; while :; do sleep 0.05; done', "prog", pidFile];
    const { file, args } = guardedCommand(program);
    const guard = spawn(file, args, { stdio: "ignore" });
    const exited = new Promise<number | null>((resolve) => guard.once("exit", (code) => resolve(code)));
    const pid = await pidFromFile(pidFile);
    guard.kill("SIGTERM");
    expect(await exited).toBe(7);
    await waitUntilDead(pid);
    expect(state(pid)).not.toMatch(/^[RSD]/);
  });
});
