// SPDX-License-Identifier: Apache-2.0
// The rootless sandbox as a user meets it (uid 4242 via setpriv, a HOME and
// XDG_RUNTIME_DIR of its own): `serve` with no paths given keeps its socket
// and runtime files under $XDG_RUNTIME_DIR, not /run/vmnet-broker (EACCES),
// and the same user's `acquire` and `status` find it without --socket.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI } from "./harness/broker.js";

const UID = 4242;
const run = promisify(execFile);

describe("rootless sandbox (uid 4242)", () => {
  let home = "";
  let env: NodeJS.ProcessEnv = {};
  let broker: ChildProcess | undefined;
  let log = "";
  const asUser = (...args: string[]) => ["--reuid", String(UID), "--regid", String(UID), "--clear-groups", process.execPath, CLI, ...args];
  const socket = () => join(home, "run", "vmnet-broker", "broker.sock");

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "vmnet-broker-rootless-"));
    chmodSync(home, 0o755);
    for (const dir of ["run", "conf"]) mkdirSync(join(home, dir), { mode: 0o700 });
    for (const path of [home, join(home, "run"), join(home, "conf")]) chownSync(path, UID, UID);
    env = { PATH: process.env.PATH, HOME: home, XDG_RUNTIME_DIR: join(home, "run") };
    broker = spawn("setpriv", asUser("serve", "--config-dir", join(home, "conf"), "--log-level", "debug"), {
      env,
      stdio: ["ignore", "ignore", "pipe"],
    });
    broker.stderr?.setEncoding("utf8").on("data", (chunk: string) => (log += chunk));
    const deadline = Date.now() + 20_000;
    while (!existsSync(socket())) {
      if (broker.exitCode !== null || Date.now() > deadline) throw new Error(`no socket at ${socket()}:\n${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  afterAll(async () => {
    if (broker && broker.exitCode === null) {
      const exited = new Promise((r) => broker?.once("exit", r));
      broker.kill("SIGTERM");
      const killer = setTimeout(() => broker?.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(home, { recursive: true, force: true });
  });

  it("acquires a network (runtime files under XDG_RUNTIME_DIR) and status finds the user's broker", async () => {
    const holder = spawn("setpriv", asUser("acquire", "--json", "--until-stdin-closes", "shared"), {
      env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    holder.stdout?.setEncoding("utf8").on("data", (d: string) => (out += d));
    holder.stderr?.setEncoding("utf8").on("data", (d: string) => (err += d));
    const exited = new Promise<number | null>((r) => holder.once("exit", r));
    try {
      const deadline = Date.now() + 20_000;
      while (!out.includes("\n") && holder.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(err).toBe("");
      expect(JSON.parse(out.split("\n")[0] ?? "")).toMatchObject({ name: "shared" });
      expect(existsSync(join(home, "run", "vmnet-broker", "linux"))).toBe(true);
      const { stdout } = await run("setpriv", asUser("status"), { env });
      expect(stdout).toMatch(/^shared +\S+ +\S+ +\S+ +vmbr-/m);
      // Its dnsmasq was taken out of the namespace's route events (a user namespace
      // of its own gives the broker ptrace rights over it).
      expect(log).not.toContain("dnsmasq-hears-all-networks");
    } finally {
      holder.stdin?.end();
      await exited;
    }
  });

  it("is what the demo tells a user without root to run (serve with no paths), with no pid namespace", () => {
    const demo = readFileSync(join(import.meta.dirname, "../demo/start.sh"), "utf8");
    expect(demo).toMatch(/rootless sandbox alone: \$\{cli\[\*\]\} serve"$/m);
    expect(demo).not.toMatch(/pid namespace|\+pid/);
  });
});
