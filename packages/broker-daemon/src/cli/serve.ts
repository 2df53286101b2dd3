import { DEFAULT_CONFIG_DIR } from "../config/load.js";
import { DEFAULT_IDLE_DELAY_MS, DEFAULT_MAX_NETWORKS_PER_PEER } from "../core/broker.js";
import { startDaemon } from "../daemon.js";
import { type LogLevel, stderrLogger } from "../log.js";
import { createPlatform } from "../platform/index.js";
import { enterSandbox, isSandboxed } from "../sandbox/sandbox.js";
import { integer, parse, socketPath } from "./parse.js";
import { UsageError } from "./usage-error.js";

export const DEFAULT_RUNTIME_DIR = "/run/vmnet-broker";

export async function serveCommand(args: string[]): Promise<number> {
  const { values } = parse("serve", args, {
    host: { type: "boolean" },
    socket: { type: "string" },
    "socket-mode": { type: "string" },
    "socket-group": { type: "string" },
    "config-dir": { type: "string" },
    "runtime-dir": { type: "string" },
    "idle-delay-ms": { type: "string" },
    "max-networks-per-peer": { type: "string" },
    "exit-when-idle": { type: "boolean" },
    "remove-networks-on-stop": { type: "boolean" },
    "service-name": { type: "string" },
    "log-level": { type: "string" },
  });
  const level = (values["log-level"] ?? "info") as LogLevel;
  if (!["debug", "info", "warn", "error"].includes(level)) throw new UsageError(`--log-level must be debug, info, warn or error`, "serve");
  const idleDelayMs = integer("serve", "idle-delay-ms", values["idle-delay-ms"], DEFAULT_IDLE_DELAY_MS);
  const maxNetworksPerPeer = integer("serve", "max-networks-per-peer", values["max-networks-per-peer"], DEFAULT_MAX_NETWORKS_PER_PEER, 1);
  const modeText = values["socket-mode"];
  if (modeText !== undefined && !/^0?[0-7]{3}$/.test(modeText)) throw new UsageError(`--socket-mode must be octal like 0660`, "serve");

  // Linux without --host: run in a private namespace made for this run. This call
  // replaces the process (same pid) and does not return.
  const sandbox = process.platform === "linux" && !values.host;
  if (sandbox && !isSandboxed()) enterSandbox(process.argv);

  const logger = stderrLogger(level);
  const platform = await createPlatform({
    logger,
    runtimeDir: values["runtime-dir"] ?? DEFAULT_RUNTIME_DIR,
    socketPath: socketPath(values.socket),
    socketMode: modeText !== undefined ? Number.parseInt(modeText, 8) : sandbox ? 0o666 : 0o660,
    sandboxed: sandbox,
    ...(values["socket-group"] !== undefined ? { socketGroup: values["socket-group"] } : {}),
    ...(values["service-name"] !== undefined ? { serviceName: values["service-name"] } : {}),
  });
  const daemon = await startDaemon({
    backend: platform.backend,
    configDir: values["config-dir"] ?? DEFAULT_CONFIG_DIR,
    logger,
    idleDelayMs,
    maxNetworksPerPeer,
    exitWhenIdle: (values["exit-when-idle"] ?? false) || platform.activated,
    // Only a broker on the host keeps networks: a sandbox's die with its namespace.
    keepNetworksOnStop: process.platform === "linux" && !sandbox && !(values["remove-networks-on-stop"] ?? false),
    listen: (broker) => platform.listen(broker),
    describe: { sandbox: sandbox ? "private network namespace" : "off" },
  });
  return daemon.done;
}
