// SPDX-License-Identifier: Apache-2.0
import { coalesced } from "./coalesced.js";
import { groupId } from "./config/group-id.js";
import { loadConfig } from "./config/load.js";
import { systemAccounts } from "./config/users.js";
import type { Backend } from "./core/backend.js";
import { Broker } from "./core/broker.js";
import { IdleTimer } from "./core/idle-timer.js";
import { LIMIT_NAMES, type Limits } from "./core/limits.js";
import type { Logger } from "./log.js";
import type { StopPolicy } from "./platform/stop-policy.js";
import { COMMIT, VERSION } from "./version.js";

/** A transport as the daemon drives it: start accepting, stop accepting. */
export interface Transport {
  readonly description: string;
  close(): Promise<void> | void;
}

export interface DaemonOptions {
  readonly backend: Backend;
  readonly configDir: string;
  readonly logger: Logger;
  readonly idleDelayMs: number;
  readonly limits: Limits;
  /** Members of this group (name or gid) see all of status, as root does. */
  readonly adminGroup?: string;
  /** Exit after idleDelayMs with no peers (socket activation: the manager restarts us). */
  readonly exitWhenIdle: boolean;
  /**
   * Linux --host: a stop leaves networks with interfaces attached in place for the
   * next broker, which adopts them; their VMs are never cut off. Otherwise a stop
   * removes every network, so a stop request while peers are connected is refused
   * once (macOS, the sandbox, `serve --remove-networks-on-stop`).
   */
  readonly keepNetworksOnStop: boolean;
  /** Starts the transport(s) feeding the broker. */
  readonly listen: (broker: Broker) => Promise<Transport>;
  /** The platform's own answer to stop signals, instead of the one below. */
  readonly stopPolicy?: StopPolicy;
  /** Extra fields for the start log line (sandbox, socket...). */
  readonly describe?: Record<string, string>;
}

export interface RunningDaemon {
  readonly broker: Broker;
  /** Resolves with the exit status once the daemon has shut down. */
  readonly done: Promise<number>;
  /** Stops accepting, removes every network, and resolves done. */
  stop(reason: string): Promise<void>;
}

/**
 * Starts the broker: reclaims what a killed predecessor left, loads the
 * configuration, listens, and handles the signals a service manager sends.
 */
export async function startDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const { logger, backend } = options;
  logger.log("info", "starting", {
    version: VERSION,
    commit: COMMIT || undefined,
    platform: backend.platform,
    pid: process.pid,
    ...options.describe,
  });
  const adopted = (await backend.adoptLeftovers?.()) ?? [];
  await backend.reclaimLeftovers();

  const accounts = systemAccounts();
  if (options.adminGroup !== undefined && groupId(options.adminGroup, accounts) === undefined) {
    throw new Error(`--admin-group: no group named '${options.adminGroup}'`);
  }
  let config = await loadConfig(options.configDir, { accounts });
  for (const error of config.errors) logger.log("warn", "config-error", { message: error });

  let finish!: (status: number) => void;
  const done = new Promise<number>((resolve) => (finish = resolve));
  let stopping: Promise<void> | undefined;
  const idleExit = new IdleTimer(options.idleDelayMs, () => {
    // Networks kept alive by interfaces need a broker to see them go: stay.
    if (options.keepNetworksOnStop && broker.networkCount > 0) idleExit.start();
    else void stop("idle");
  });

  const broker = new Broker({
    backend,
    config,
    accounts,
    logger,
    version: VERSION,
    idleDelayMs: options.idleDelayMs,
    limits: options.limits,
    ...(options.adminGroup !== undefined ? { adminGroup: options.adminGroup } : {}),
    onNoPeers: () => options.exitWhenIdle && idleExit.start(),
    onFirstPeer: () => idleExit.cancel(),
  });
  broker.adopt(adopted);
  const transport = await options.listen(broker);
  logger.log("info", "listening", {
    on: transport.description,
    networks: [...config.networks.keys()].join(","),
    idle_delay_ms: options.idleDelayMs,
  });
  logger.log("info", "limits", limitFields(options.limits));
  if (options.exitWhenIdle) idleExit.start();

  async function stop(reason: string): Promise<void> {
    stopping ??= (async () => {
      idleExit.cancel();
      logger.log("info", "stopping", {
        reason,
        peers: broker.peerCount,
        networks: broker.networkCount,
        keep_attached: options.keepNetworksOnStop,
      });
      broker.beginShutdown(options.keepNetworksOnStop);
      await transport.close();
      await broker.shutdown();
      logger.log("info", "stopped");
      finish(0);
    })();
    return stopping;
  }

  // Like the existing broker: where stopping removes networks, a stop request while
  // VMs are connected is refused, because it would cut their networks. The same
  // signal again within 10 s forces it (Ctrl-C twice). Where networks with
  // interfaces outlive the broker (Linux --host), nothing is cut: stop at once.
  let refusedAt = 0;
  const onStopSignal = (signal: NodeJS.Signals) => {
    const now = Date.now();
    if (!options.keepNetworksOnStop && broker.peerCount > 0 && now - refusedAt > 10_000) {
      refusedAt = now;
      logger.log("warn", "stop-refused", {
        signal,
        peers: broker.peerCount,
        hint: "peers are connected; send the signal again within 10s to force",
      });
      return;
    }
    void stop(signal);
  };
  // Reads off the event loop, one reload at a time: a slow or hostile directory
  // delays only the reload, never a peer.
  const reload = coalesced(async () => {
    // Reread /etc/passwd and /etc/group too: a user added for a network is the
    // usual reason to reload.
    const nextAccounts = systemAccounts();
    config = await loadConfig(options.configDir, { accounts: nextAccounts, previous: config });
    broker.reload(config, nextAccounts);
    for (const error of config.errors) logger.log("warn", "config-error", { message: error });
    logger.log("info", "config-reloaded", { networks: [...config.networks.keys()].join(","), errors: config.errors.length });
  });
  const onReload = () => {
    reload().catch((error: unknown) => logger.log("error", "config-reload-failed", { message: String(error) }));
  };
  const removeStopPolicy = options.stopPolicy?.({ logger, holderCount: () => broker.holderCount, stop: (reason) => void stop(reason) });
  if (!removeStopPolicy) {
    process.on("SIGTERM", onStopSignal);
    process.on("SIGINT", onStopSignal);
  }
  process.on("SIGHUP", onReload);
  void done.then(() => {
    removeStopPolicy?.();
    process.off("SIGTERM", onStopSignal);
    process.off("SIGINT", onStopSignal);
    process.off("SIGHUP", onReload);
  });
  return { broker, done, stop };
}

/** The limits as log fields named like their flags (max_connections=2048). */
function limitFields(limits: Limits): Record<string, number> {
  const fields: Record<string, number> = {};
  for (const key of Object.keys(LIMIT_NAMES) as (keyof Limits)[]) fields[LIMIT_NAMES[key].replaceAll("-", "_")] = limits[key];
  return fields;
}
