// SPDX-License-Identifier: Apache-2.0
/**
 * A live broker for one case run: its own temporary directory (socket,
 * config, runtime), started with `vmnet-broker serve`, which sandboxes itself
 * in a private network+pid namespace (kill -9 of its pid removes everything).
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrokerSettings } from "./case-format.js";
import { exitedWithin, type GroupChild, signalGroup, spawnGroup, stopGroup, Tail } from "./process-group.js";

export const DEFAULT_IDLE_DELAY_MS = 1000;
const START_TIMEOUT_MS = 20_000;
const STATUS_TIMEOUT_MS = 10_000;

/** What a process prints when a concurrent build removed its code or addon. */
const BUILD_IN_FLUX = /native addon|node-gyp-build|No native build|Cannot find module|ERR_MODULE_NOT_FOUND/i;
const RETRIES = 5;
const RETRY_GAP_MS = 3000;

export class BrokerError extends Error {
  override readonly name = "BrokerError";
  constructor(
    message: string,
    /** The failure looks like a build replacing files, not like the broker's behaviour. */
    readonly buildInFlux = false,
  ) {
    super(message);
  }
}

export interface StatusJson {
  networks?: { network?: { name?: string }; references?: number; interface_references?: number; [k: string]: unknown }[];
  peers?: { id?: number; pid?: number; [k: string]: unknown }[];
  [k: string]: unknown;
}

export class Broker {
  readonly dir: string;
  readonly socketPath: string;
  readonly log = new Tail(16384);
  #g: GroupChild | undefined;

  constructor(
    private readonly mainJs: string,
    private readonly settings: BrokerSettings,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), "vmnet-conformance-"));
    Broker.liveDirs.add(this.dir);
    this.socketPath = join(this.dir, "broker.sock");
    const conf = join(this.dir, "conf");
    mkdirSync(conf);
    mkdirSync(join(this.dir, "run"));
    for (const [name, body] of Object.entries(settings.networks ?? {})) {
      writeFileSync(join(conf, `${name}.json`), `${JSON.stringify(body, null, 2)}\n`);
    }
  }

  get idleDelayMs(): number {
    return this.settings.idle_delay_ms ?? DEFAULT_IDLE_DELAY_MS;
  }

  get pid(): number | undefined {
    return this.#g?.child.pid;
  }

  /** Directories of brokers not yet disposed, for an interrupted runner to remove. */
  static readonly liveDirs = new Set<string>();

  /** How many broker starts and status reads were retried (reported by the runner). */
  static retries = 0;

  /**
   * Starts the broker and waits until its socket accepts. A broker that dies
   * at start because its code or native addon cannot be loaded is started
   * again (a few times, seconds apart): in a shared checkout another build may
   * be replacing them at that moment. Any other death fails the case at once.
   */
  async start(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#startOnce();
      } catch (e) {
        if (!(e instanceof BrokerError) || !e.buildInFlux || attempt >= RETRIES) throw e;
        Broker.retries++;
        await new Promise((r) => setTimeout(r, RETRY_GAP_MS));
      }
    }
  }

  async #startOnce(): Promise<void> {
    const args = [
      this.mainJs,
      "serve",
      "--socket",
      this.socketPath,
      "--config-dir",
      join(this.dir, "conf"),
      "--runtime-dir",
      join(this.dir, "run"),
      "--idle-delay-ms",
      String(this.idleDelayMs),
    ];
    if (this.settings.max_networks_per_peer !== undefined) {
      args.push("--max-networks-per-peer", String(this.settings.max_networks_per_peer));
    }
    if (this.settings.vhost_net_device !== undefined) args.push("--vhost-net-device", this.settings.vhost_net_device);
    const g = spawnGroup(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    this.#g = g;
    g.child.stdout?.setEncoding("utf8").on("data", (s: string) => this.log.push(s));
    g.child.stderr?.setEncoding("utf8").on("data", (s: string) => this.log.push(s));
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await this.#accepts())) {
      if (g.hasExited()) {
        const message = `broker exited (${await g.exited}) before accepting on ${this.socketPath}: ${this.#logTail()}`;
        throw new BrokerError(message, BUILD_IN_FLUX.test(this.log.text));
      }
      if (Date.now() > deadline)
        throw new BrokerError(`broker did not accept on ${this.socketPath} within ${START_TIMEOUT_MS} ms: ${this.#logTail()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The log's first line that names an error (a stack's tail says little), then its last lines. */
  #logTail(): string {
    const lines = this.log.text.trim().split("\n");
    const first = lines.find((l) => /error|cannot|failed|denied|not found/i.test(l) && !/^\s+at /.test(l));
    const last = lines.filter((l) => !/^\s+at /.test(l)).slice(-4);
    return [...(first !== undefined && !last.includes(first) ? [first] : []), ...last].join(" | ");
  }

  #accepts(): Promise<boolean> {
    return new Promise((resolve) => {
      const s = createConnection(this.socketPath);
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
  }

  /** kill -9: the broker's sandbox dies with it. */
  async kill9(): Promise<void> {
    const g = this.#g;
    if (g === undefined) return;
    signalGroup(g, "SIGKILL");
    if (!(await exitedWithin(g, 10_000))) throw new BrokerError(`broker pid ${g.child.pid} survived SIGKILL for 10 s`);
    // The sandboxed broker inside may still be dying with its listener open; without
    // the path, the next start's readiness check can only reach the new broker.
    rmSync(this.socketPath, { force: true });
  }

  async restart(): Promise<void> {
    await this.kill9();
    await this.start();
  }

  /**
   * `vmnet-broker status --json`, without the status command's own connection
   * (the newest peer: the runner makes no other connection meanwhile).
   */
  async status(): Promise<StatusJson> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#statusOnce();
      } catch (e) {
        if (!(e instanceof BrokerError) || !e.buildInFlux || attempt >= RETRIES) throw e;
        Broker.retries++;
        await new Promise((r) => setTimeout(r, RETRY_GAP_MS));
      }
    }
  }

  #statusOnce(): Promise<StatusJson> {
    return new Promise((resolve, reject) => {
      execFile(
        process.execPath,
        [this.mainJs, "status", "--socket", this.socketPath, "--json"],
        { timeout: STATUS_TIMEOUT_MS, killSignal: "SIGKILL", maxBuffer: 16 << 20 },
        (error, stdout, stderr) => {
          if (error) {
            const message = `vmnet-broker status failed: ${error.message.trim()} ${stderr.trim()}`;
            return reject(new BrokerError(message, BUILD_IN_FLUX.test(stderr)));
          }
          try {
            // The broker leaves the asker (this status command) out of the peers.
            resolve(JSON.parse(stdout) as StatusJson);
          } catch {
            reject(new BrokerError(`vmnet-broker status --json printed something that is not JSON: ${stdout.slice(0, 200)}`));
          }
        },
      );
    });
  }

  /** Stops the broker (SIGTERM, then SIGKILL) and removes its directory. */
  async dispose(): Promise<void> {
    if (this.#g !== undefined) await stopGroup(this.#g, 5000);
    rmSync(this.dir, { recursive: true, force: true });
    Broker.liveDirs.delete(this.dir);
  }
}
