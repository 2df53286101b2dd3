// SPDX-License-Identifier: Apache-2.0
/**
 * One dnsmasq per network, `--keep-in-foreground` under a guard (guarded-child.ts)
 * that is a child of the broker. It never outlives its broker: destroy() and
 * leave() stop it; when the broker dies, even by `kill -9`, the guard's
 * parent-death signal makes it stop dnsmasq; and if something still survives, the
 * next broker finds it by its command line (leftovers.ts, adopt.ts). A network
 * the next broker adopts gets a new dnsmasq on the same lease file.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { CreateFailure } from "../../core/backend.js";
import { udpBound } from "./dns-ready.js";
import { type DnsmasqSpec, dnsmasqConfig } from "./dnsmasq-config.js";
import { guardedCommand } from "./guarded-child.js";
import { linuxNative } from "./native.js";

/** Safety limits, not expectations. */
const START_LIMIT_MS = 10_000;
const TERM_GRACE_MS = 2_000;

export interface RunningDnsmasq {
  readonly pid: number;
  /** Its config file (the next broker checks a recorded pid against it). */
  readonly conf: string;
  /** SIGTERM, then SIGKILL if still alive after a grace period. Never throws. */
  stop(): Promise<void>;
  /**
   * Resolves with how it ended ("exit 137", "SIGKILL") if it ends without stop():
   * killed or crashed. Never resolves once stop() was called.
   */
  readonly exited: Promise<string>;
  /**
   * Resolves once dnsmasq serves DNS on the gateway (at once without DNS; it binds
   * before writing its pid file, so this is a check). CreateFailure when it never does.
   */
  untilServing(): Promise<void>;
  /**
   * Why it still hears every address and route change of the namespace (and so
   * wakes whenever another network is made); undefined when that was muted.
   */
  readonly hearsAllNetworks?: string;
}

async function readPid(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(path, "utf8")).trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** True when `pid` is a dnsmasq started with `conf` (pids are reused). */
async function isOurDnsmasq(pid: number, conf: string): Promise<boolean> {
  try {
    const argv = (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0");
    return argv.some((arg) => arg.endsWith("dnsmasq")) && argv.includes(`--conf-file=${conf}`);
  } catch {
    return false;
  }
}

/** The last lines of dnsmasq's log, without their syslog-style prefixes; "" when absent. */
async function logTail(path: string): Promise<string> {
  try {
    const lines = (await readFile(path, "utf8")).trim().split("\n").slice(-3);
    return lines.map((line) => line.replace(/^.*?dnsmasq(-dhcp)?\[\d+\]: /, "")).join("; ");
  } catch {
    return "";
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
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
  writeFileSync(spec.files.conf, dnsmasqConfig(spec), { mode: 0o644 });
  const dnsmasq = ["dnsmasq", "--keep-in-foreground", `--conf-file=${spec.files.conf}`];
  const { file, args } = guardedCommand(dnsmasq);
  const guard = spawn(file, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  guard.stderr?.setEncoding("utf8");
  guard.stderr?.on("data", (chunk: string) => {
    if (stderr.length < 4096) stderr += chunk;
  });
  let spawnError: Error | undefined;
  guard.on("error", (error) => {
    spawnError = error;
  });
  let pid = 0;
  let stopping = false;
  // The guard exits with dnsmasq (it waits for it and passes its status on).
  const exited = new Promise<string>((resolve) => {
    guard.once("exit", (code, signal) => {
      if (!stopping) resolve(signal ?? `exit ${code}`);
    });
  });

  const stop = async (): Promise<void> => {
    stopping = true;
    if (guard.exitCode !== null || guard.signalCode !== null) return;
    // The guard passes SIGTERM on to dnsmasq and exits when dnsmasq has.
    guard.kill("SIGTERM");
    if (!(await waitForExit(guard, TERM_GRACE_MS))) {
      if (pid > 0 && (await isOurDnsmasq(pid, spec.files.conf))) signal(pid, "SIGKILL");
      guard.kill("SIGKILL");
      await waitForExit(guard, TERM_GRACE_MS);
    }
  };

  // Ready once the pid file names our dnsmasq: it writes it after binding its sockets.
  const deadline = Date.now() + START_LIMIT_MS;
  for (;;) {
    if (spawnError !== undefined) {
      throw new CreateFailure(`dnsmasq for network '${spec.networkName}' could not be started: ${spawnError.message}`);
    }
    if (guard.exitCode !== null || guard.signalCode !== null) {
      const how = guard.signalCode ?? `exit ${guard.exitCode}`;
      // Errors after dnsmasq opened its log go there, not to stderr.
      const message = stderr.trim() || (await logTail(spec.files.log)) || "no message";
      throw new CreateFailure(`dnsmasq for network '${spec.networkName}' stopped at start (${how}): ${message}`);
    }
    const named = await readPid(spec.files.pid);
    if (named !== undefined && (await isOurDnsmasq(named, spec.files.conf))) {
      pid = named;
      break;
    }
    if (Date.now() > deadline) {
      await stop();
      throw new CreateFailure(`dnsmasq for network '${spec.networkName}' did not write ${spec.files.pid} in time`);
    }
    await sleep(2);
  }
  // dnsmasq joins the namespace's address and route groups whatever its options, so
  // every new network would wake every dnsmasq (route_events.cc). With bind-interfaces
  // it needs none of them; IPv6 addresses stay for router advertisements.
  let hearsAllNetworks: string | undefined;
  try {
    linuxNative().muteRouteEvents(pid, spec.ipv6 !== undefined);
  } catch (error) {
    hearsAllNetworks = (error as Error).message;
  }
  const untilServing = async (): Promise<void> => {
    if (!spec.dns) return;
    const fail = (why: string) => new CreateFailure(`dnsmasq for network '${spec.networkName}' ${why}`);
    const limit = Date.now() + START_LIMIT_MS;
    while (!udpBound(spec.ipv4.gateway, 53)) {
      if (guard.exitCode !== null || guard.signalCode !== null) {
        throw fail(`stopped (${guard.signalCode ?? `exit ${guard.exitCode}`}): ${(await logTail(spec.files.log)) || "no message"}`);
      }
      if (Date.now() > limit) throw fail(`did not bind ${spec.ipv4.gateway}:53 in time`);
      await sleep(1);
    }
  };
  return { pid, conf: spec.files.conf, stop, untilServing, exited, ...(hearsAllNetworks ? { hearsAllNetworks } : {}) };
}
