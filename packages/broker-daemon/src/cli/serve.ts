// SPDX-License-Identifier: Apache-2.0
import { DEFAULT_CONFIG_DIR } from "../config/load.js";
import { DEFAULT_IDLE_DELAY_MS } from "../core/broker.js";
import type { Limits } from "../core/limits.js";
import { startDaemon } from "../daemon.js";
import { type Logger, type LogLevel, stderrLogger } from "../log.js";
import { connectionsThatFit, openFileLimit } from "../platform/fd-budget.js";
import { createPlatform } from "../platform/index.js";
import { enterSandbox, isSandboxed } from "../sandbox/sandbox.js";
import { LIMIT_FLAGS, parseLimitFlags } from "./limit-flags.js";
import { integer, parse } from "./parse.js";
import { defaultRuntimeDir, defaultServeSocket, makeUserRuntimeDir } from "./runtime-paths.js";
import { UsageError } from "./usage-error.js";

export async function serveCommand(args: string[]): Promise<number> {
  const { values } = parse("serve", args, {
    host: { type: "boolean" },
    socket: { type: "string" },
    "socket-mode": { type: "string" },
    "socket-group": { type: "string" },
    "admin-group": { type: "string" },
    "config-dir": { type: "string" },
    "runtime-dir": { type: "string" },
    "idle-delay-ms": { type: "string" },
    ...LIMIT_FLAGS,
    "exit-when-idle": { type: "boolean" },
    "remove-networks-on-stop": { type: "boolean" },
    "service-name": { type: "string" },
    "log-level": { type: "string" },
    "vhost-net-device": { type: "string" },
  });
  const level = (values["log-level"] ?? "info") as LogLevel;
  if (!["debug", "info", "warn", "error"].includes(level)) throw new UsageError(`--log-level must be debug, info, warn or error`, "serve");
  const idleDelayMs = integer("serve", "idle-delay-ms", values["idle-delay-ms"], DEFAULT_IDLE_DELAY_MS);
  const limits = parseLimitFlags(values);
  const modeText = values["socket-mode"];
  if (modeText !== undefined && !/^0?[0-7]{3}$/.test(modeText)) throw new UsageError(`--socket-mode must be octal like 0660`, "serve");

  // Linux without --host: run in a private namespace made for this run (as root the
  // main thread moves; otherwise the process re-executes itself, same pid). The
  // paths are settled before: inside a rootless sandbox this process is root and
  // could not tell.
  const sandbox = process.platform === "linux" && !values.host;
  const runtimeDir = values["runtime-dir"] ?? defaultRuntimeDir();
  const socket = values.socket ?? (process.env.VMNET_BROKER_SOCKET || defaultServeSocket());
  if (sandbox) {
    const uid = process.getuid?.() ?? 0;
    if (!isSandboxed() && uid !== 0 && values["runtime-dir"] === undefined) makeUserRuntimeDir(runtimeDir, uid);
    enterSandbox([...process.argv, "--runtime-dir", runtimeDir, "--socket", socket]);
  }

  const logger = stderrLogger(level);
  const core = fitConnectionsToFds(limits.core, logger);
  const platform = await createPlatform({
    logger,
    runtimeDir,
    socketPath: socket,
    socketMode: modeText !== undefined ? Number.parseInt(modeText, 8) : sandbox ? 0o666 : 0o660,
    sandboxed: sandbox,
    transportLimits: limits.transport,
    ...(values["socket-group"] !== undefined ? { socketGroup: values["socket-group"] } : {}),
    ...(values["service-name"] !== undefined ? { serviceName: values["service-name"] } : {}),
    ...(values["vhost-net-device"] !== undefined ? { vhostNetDevice: values["vhost-net-device"] } : {}),
  });
  const daemon = await startDaemon({
    backend: platform.backend,
    configDir: values["config-dir"] ?? DEFAULT_CONFIG_DIR,
    logger,
    idleDelayMs,
    limits: core,
    ...(values["admin-group"] !== undefined ? { adminGroup: values["admin-group"] } : {}),
    exitWhenIdle: (values["exit-when-idle"] ?? false) || platform.activated,
    // Only a broker on the host keeps networks: a sandbox's die with its namespace.
    keepNetworksOnStop: process.platform === "linux" && !sandbox && !(values["remove-networks-on-stop"] ?? false),
    listen: (broker) => platform.listen(broker),
    ...(platform.stopPolicy !== undefined ? { stopPolicy: platform.stopPolicy } : {}),
    describe: { sandbox: sandbox ? "private network namespace" : "off" },
  });
  return daemon.done;
}

/** Lowers max-connections so that connections alone can never exhaust the fd limit. */
function fitConnectionsToFds(limits: Limits, logger: Logger): Limits {
  const fdLimit = openFileLimit();
  if (fdLimit === undefined) return limits;
  const fit = connectionsThatFit(fdLimit);
  if (limits.maxConnections <= fit) return limits;
  logger.log("warn", "limit-lowered", { limit: "max-connections", from: limits.maxConnections, to: fit, rlimit_nofile: fdLimit });
  return { ...limits, maxConnections: fit, maxConnectionsPerUser: Math.min(limits.maxConnectionsPerUser, fit) };
}
