import { loadConfig } from "./config/load.js";
import { systemAccounts } from "./config/users.js";
import type { Backend } from "./core/backend.js";
import { Broker } from "./core/broker.js";
import { IdleTimer } from "./core/idle-timer.js";
import type { Logger } from "./log.js";
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
  readonly maxNetworksPerPeer: number;
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
  const config = loadConfig(options.configDir, accounts);
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
    maxNetworksPerPeer: options.maxNetworksPerPeer,
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
  const onReload = () => {
    // Reread /etc/passwd and /etc/group too: a user added for a network is the
    // usual reason to reload.
    const nextAccounts = systemAccounts();
    const next = loadConfig(options.configDir, nextAccounts);
    broker.reload(next, nextAccounts);
    for (const error of next.errors) logger.log("warn", "config-error", { message: error });
    logger.log("info", "config-reloaded", { networks: [...next.networks.keys()].join(","), errors: next.errors.length });
  };
  process.on("SIGTERM", onStopSignal);
  process.on("SIGINT", onStopSignal);
  process.on("SIGHUP", onReload);
  void done.then(() => {
    process.off("SIGTERM", onStopSignal);
    process.off("SIGINT", onStopSignal);
    process.off("SIGHUP", onReload);
  });
  return { broker, done, stop };
}
