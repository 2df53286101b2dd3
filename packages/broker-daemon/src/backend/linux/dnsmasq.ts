/**
 * One dnsmasq per network, a `--keep-in-foreground` child of the broker. It
 * cannot outlive the network: destroy() stops it; inside the sandbox it keeps
 * root and carries a parent-death signal, so the broker's death (even kill -9)
 * takes it along; with `serve --host` it drops root, which clears such a signal,
 * so a `kill -9` leaves it running until the next broker finds it by its pid file
 * and stops it (leftovers.ts). Under systemd the service's cgroup is killed as a
 * whole.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { CreateFailure } from "../../core/backend.js";
import { type DnsmasqSpec, dnsmasqConfig } from "./dnsmasq-config.js";

/** Safety limits, not expectations. */
const START_LIMIT_MS = 10_000;
const TERM_GRACE_MS = 2_000;

export interface RunningDnsmasq {
  readonly pid: number;
  /** SIGTERM, then SIGKILL if still alive after a grace period. Never throws. */
  stop(): Promise<void>;
}

async function readPid(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(path, "utf8")).trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function waitForExit(child: ChildProcess, limitMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), limitMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Writes the config and starts dnsmasq; resolves once its pid file names it (it
 * writes that after binding its sockets). Rejects with CreateFailure carrying
 * dnsmasq's own message when it exits early.
 */
export async function startDnsmasq(spec: DnsmasqSpec): Promise<RunningDnsmasq> {
  await writeFile(spec.files.conf, dnsmasqConfig(spec), { mode: 0o644 });
  // The kernel clears a parent-death signal when a process changes its user, so it
  // only holds for a dnsmasq that keeps root (the sandbox): there it makes dnsmasq
  // die with the broker, even after kill -9.
  const command = ["dnsmasq", "--keep-in-foreground", `--conf-file=${spec.files.conf}`];
  const [file, ...args] = spec.runAsRoot ? ["setpriv", "--pdeathsig", "KILL", "--", ...command] : command;
  const child = spawn(file as string, args, {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    if (stderr.length < 4096) stderr += chunk;
  });
  let spawnError: Error | undefined;
  child.on("error", (error) => {
    spawnError = error;
  });

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    if (!(await waitForExit(child, TERM_GRACE_MS))) {
      child.kill("SIGKILL");
      await waitForExit(child, TERM_GRACE_MS);
    }
  };

  const deadline = Date.now() + START_LIMIT_MS;
  for (;;) {
    if (spawnError !== undefined) {
      throw new CreateFailure(`dnsmasq for network '${spec.networkName}' could not be started: ${spawnError.message}`);
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      const how = child.signalCode ?? `exit ${child.exitCode}`;
      throw new CreateFailure(`dnsmasq for network '${spec.networkName}' stopped at start (${how}): ${stderr.trim() || "no message"}`);
    }
    if (child.pid !== undefined && (await readPid(spec.files.pid)) === child.pid) break;
    if (Date.now() > deadline) {
      await stop();
      throw new CreateFailure(`dnsmasq for network '${spec.networkName}' did not write ${spec.files.pid} in time`);
    }
    await sleep(2);
  }
  const pid = child.pid;
  return { pid, stop };
}
