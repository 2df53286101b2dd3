// SPDX-License-Identifier: Apache-2.0
// Starts the real daemon (dist/cli/main.js) for end-to-end tests, always in a
// namespace of its own: by default `serve` sandboxes itself (a private network
// namespace: kill -9 of its pid removes everything); `inNetns` instead runs
// `serve --host` inside a named namespace the test owns, for the restart tests.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BrokerClient } from "@vmnet-broker/client";

export const CLI = join(import.meta.dirname, "../../dist/cli/main.js");
/** The package's bin: the same CLI bundled into one file (tools/bundle.mjs). */
export const BIN = join(import.meta.dirname, "../../dist/vmnet-broker.mjs");

export interface BrokerOptions {
  readonly idleDelayMs?: number;
  readonly maxNetworksPerPeer?: number;
  /** Config files: network name -> JSON body (or raw text for broken files). */
  readonly networks?: Record<string, unknown>;
  /** Run `serve --host` inside this existing named namespace instead of the sandbox. */
  readonly inNetns?: string;
  /** Reuse a directory (socket, config, runtime) across restarts. */
  readonly dir?: string;
  /** More `serve` flags. */
  readonly extraArgs?: readonly string[];
  /** Another entry: the bundle (BIN), or another build's dist/cli/main.js (upgrade tests). */
  readonly cli?: string;
  /** With inNetns: capabilities taken out of the broker's bounding set ("sys_ptrace"), as a unit would. */
  readonly withoutCapabilities?: readonly string[];
}

export class TestBroker {
  readonly log: string[] = [];
  #exited: Promise<number | null>;

  private constructor(
    readonly dir: string,
    readonly socket: string,
    readonly process: ChildProcess,
    private readonly ownsDir: boolean,
  ) {
    this.#exited = new Promise((resolve) => process.once("exit", (code) => resolve(code)));
    process.stderr?.setEncoding("utf8").on("data", (chunk: string) => this.log.push(...chunk.split("\n").filter(Boolean)));
  }

  static async start(options: BrokerOptions = {}): Promise<TestBroker> {
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), "vmnet-broker-e2e-"));
    // Readable by the unprivileged peers some tests start.
    chmodSync(dir, 0o755);
    const socket = join(dir, "broker.sock");
    const conf = join(dir, "conf");
    mkdirSync(conf, { recursive: true });
    for (const [name, body] of Object.entries(options.networks ?? {})) {
      writeFileSync(join(conf, `${name}.json`), typeof body === "string" ? body : JSON.stringify(body));
    }
    const args = [
      options.cli ?? CLI,
      "serve",
      "--socket",
      socket,
      "--config-dir",
      conf,
      "--runtime-dir",
      join(dir, "run"),
      "--idle-delay-ms",
      String(options.idleDelayMs ?? 60_000),
      "--max-networks-per-peer",
      String(options.maxNetworksPerPeer ?? 8),
      "--log-level",
      "debug",
      ...(options.extraArgs ?? []),
    ];
    const dropped = options.withoutCapabilities ?? [];
    const bounded = dropped.length > 0 ? ["setpriv", "--bounding-set", dropped.map((cap) => `-${cap}`).join(","), "--"] : [];
    const child = options.inNetns
      ? spawn("ip", ["netns", "exec", options.inNetns, ...bounded, process.execPath, ...args, "--host"], {
          stdio: ["ignore", "ignore", "pipe"],
        })
      : spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
    const broker = new TestBroker(dir, socket, child, options.dir === undefined);
    await broker.waitReady();
    return broker;
  }

  get pid(): number {
    return this.process.pid as number;
  }

  /** Runs a command in the broker's network namespace and returns its stdout. */
  inNamespace(command: string, ...args: string[]): string {
    return execFileSync("nsenter", [`--net=/proc/${this.pid}/ns/net`, command, ...args], { encoding: "utf8" });
  }

  /** Interface names in the broker's namespace, without lo. */
  links(): string[] {
    return this.inNamespace("ip", "-o", "link", "show")
      .split("\n")
      .map((line) => line.split(": ")[1]?.split("@")[0] ?? "")
      .filter((name) => name && name !== "lo");
  }

  /** Names of the processes in the broker's network namespace, other than the broker. */
  namespaceProcesses(): string[] {
    const ours = readlinkSync(`/proc/${this.pid}/ns/net`);
    const names: string[] = [];
    for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p) && Number(p) !== this.pid)) {
      try {
        if (readlinkSync(`/proc/${pid}/ns/net`) === ours) names.push(readFileSync(`/proc/${pid}/comm`, "utf8").trim());
      } catch {
        // The process went away while we looked.
      }
    }
    return names;
  }

  nftTables(): string[] {
    return this.inNamespace("nft", "list", "tables").split("\n").filter(Boolean);
  }

  connect(): Promise<BrokerClient> {
    return BrokerClient.connect({ socketPath: this.socket });
  }

  async status() {
    const client = await this.connect();
    try {
      return await client.status();
    } finally {
      client.close();
    }
  }

  /** Polls status until check passes (bounded); returns the last status. */
  async waitFor(check: (s: Awaited<ReturnType<TestBroker["status"]>>) => boolean, what: string, timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await this.status();
      if (check(status)) return status;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; log:\n${this.log.slice(-30).join("\n")}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Waits (bounded) for a log line: stderr reaches the test after the event it reports. */
  async waitForLog(match: (line: string) => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.log.some(match)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for the log line: ${what}; log:\n${this.log.slice(-30).join("\n")}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async waitReady(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.process.exitCode !== null) throw new Error(`broker exited early (${this.process.exitCode}):\n${this.log.join("\n")}`);
      if (existsSync(this.socket)) {
        try {
          (await this.connect()).close();
          return;
        } catch {
          // Not accepting yet.
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`broker did not come up:\n${this.log.join("\n")}`);
  }

  kill9(): Promise<number | null> {
    this.process.kill("SIGKILL");
    return this.#exited;
  }

  /** SIGTERM; if peers keep it alive, a second SIGTERM forces it. */
  async stop(): Promise<number | null> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return this.#exited;
    this.process.kill("SIGTERM");
    const forced = setTimeout(() => this.process.kill("SIGTERM"), 200);
    const hard = setTimeout(() => this.process.kill("SIGKILL"), 20_000);
    const code = await this.#exited;
    clearTimeout(forced);
    clearTimeout(hard);
    return code;
  }

  get exited(): Promise<number | null> {
    return this.#exited;
  }

  async dispose(): Promise<void> {
    await this.stop();
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
  }
}
