// SPDX-License-Identifier: Apache-2.0
// `vmnet-broker run`: by default it becomes the VMM (exec, same pid) with an
// interface-held TAP, so killing the VMM is what releases the network; with
// --wrap it stays as the VMM's parent and takes the VMM down when it dies.
// The "VMM" is `sleep`, holding the TAP at fd 3 as QEMU would.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, readFileSync, readlinkSync } from "node:fs";
import { promisify } from "node:util";
import { LeaseHolder } from "@vmnet-broker/client/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, TestBroker } from "./harness/broker.js";

const execFileAsync = promisify(execFile);
const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;

type Status = Awaited<ReturnType<TestBroker["status"]>>;
const shared = (s: Status) => s.networks.find((n) => n.network?.name === "shared" && n.live);

/** Starts `vmnet-broker run ARGS -- COMMAND...` with its output piped. */
function startRun(broker: TestBroker, args: string[], command: string[]): ChildProcess {
  return spawn(process.execPath, [CLI, "run", "--socket", broker.socket, "--network", "shared", ...args, "--", ...command], {
    stdio: ["ignore", "pipe", "pipe"],
  });
}

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The target of /proc/PID/fd/FD, or "" once the process or the fd is gone. */
function fdTarget(pid: number, fd: number): string {
  try {
    return readlinkSync(`/proc/${pid}/fd/${fd}`);
  } catch {
    return "";
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(" ").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())));

describe("vmnet-broker run (live broker)", () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await TestBroker.start({ idleDelayMs: 1000 });
  });
  afterAll(async () => {
    await broker.dispose();
  });

  it("execs the VMM in its own process; killing the VMM releases the TAP, then the network goes", async () => {
    const vmm = startRun(broker, [], ["sleep", "300"]);
    const pid = vmm.pid as number;
    try {
      // Same pid: run itself became sleep, with the TAP at fd 3.
      await until(() => fdTarget(pid, 3) === "/dev/net/tun" && readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "sleep", "the VMM");
      const held = await broker.waitFor(
        (s) => shared(s)?.interfaceReferences === 1 && shared(s)?.references === 0,
        "the TAP holding shared",
      );
      expect(shared(held)?.interfaces).toEqual([expect.objectContaining({ holder: LeaseHolder.LEASE_HOLDER_INTERFACE })]);
    } finally {
      vmm.kill("SIGKILL");
      await exited(vmm);
    }
    await broker.waitFor((s) => shared(s)?.interfaceReferences === 0 && shared(s)?.interfaces.length === 0, "the TAP released");
    await broker.waitFor((s) => shared(s) === undefined, "shared removed after the idle delay");
  });

  it("--wrap: killing run kills the VMM, and the connection's TAP goes with it", async () => {
    const run = startRun(broker, ["--wrap"], ["sleep", "300"]);
    const pid = run.pid as number;
    let vmm = 0;
    try {
      await until(() => {
        vmm = childrenOf(pid).find((c) => fdTarget(c, 3) === "/dev/net/tun") ?? 0;
        return vmm !== 0;
      }, "the wrapped VMM");
      await broker.waitFor((s) => shared(s)?.references === 1 && shared(s)?.interfaces.length === 1, "run's lease");
    } finally {
      run.kill("SIGKILL");
      await exited(run);
    }
    await until(
      () => !existsSync(`/proc/${vmm}`) || readFileSync(`/proc/${vmm}/stat`, "utf8").split(" ")[2] === "Z",
      "the VMM to die with run",
    );
    await broker.waitFor((s) => shared(s) === undefined || shared(s)?.interfaces.length === 0, "the TAP removed");
  });

  it("hands each VM its own guest MAC, in {mac} and VMNET_BROKER_GUEST_MAC", async () => {
    const script = 'echo "$VMNET_BROKER_GUEST_MAC $1 $2"';
    const runOnce = async () => {
      const { stdout } = await execFileAsync(process.execPath, [
        CLI,
        "run",
        "--socket",
        broker.socket,
        "--network",
        "shared",
        "--",
        "sh",
        "-c",
        script,
        "sh",
        "virtio-net-pci,mac={mac}",
        "fd={fd}",
      ]);
      const [env, device, fd] = stdout.trim().split(" ");
      expect(env).toMatch(MAC);
      expect(device).toBe(`virtio-net-pci,mac=${env}`);
      expect(fd).toBe("fd=3");
      return env;
    };
    const [first, second] = await Promise.all([runOnce(), runOnce()]);
    expect(first).not.toBe(second);
  });

  it("passes --help after -- to the command, and exits 127 for a missing command", async () => {
    const { stdout } = await execFileAsync(process.execPath, [
      CLI,
      "run",
      "--wrap",
      "--socket",
      broker.socket,
      "--network",
      "shared",
      "--",
      "printf",
      "%s\n",
      "--help",
    ]);
    expect(stdout).toBe("--help\n");
    const missing = await execFileAsync(process.execPath, [CLI, "run", "--network", "shared", "--", "no-such-vmm-here"]).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((missing as { code: number }).code).toBe(127);
    expect((missing as { stderr: string }).stderr).toContain("no-such-vmm-here: command not found");
  });
});
