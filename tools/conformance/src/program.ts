// SPDX-License-Identifier: Apache-2.0
/**
 * One simulated client: a language's conformance program, driven in JSON
 * lines (one command in, one result out) with a timeout on every exchange.
 */
import { dirname } from "node:path";
import { createInterface } from "node:readline";
import { exitedWithin, type GroupChild, signalGroup, spawnGroup, stopGroup, Tail } from "./process-group.js";

export type Result = Record<string, unknown>;

export class ProgramError extends Error {
  override readonly name = "ProgramError";
}

export class ClientProgram {
  readonly #g: GroupChild;
  readonly #lines: string[] = [];
  #waiter: (() => void) | undefined;
  readonly stderr = new Tail(8192);
  #killed = false;

  constructor(
    readonly label: string,
    path: string,
    socketPath: string,
  ) {
    this.#g = spawnGroup(path, [], {
      cwd: dirname(dirname(path)),
      env: { ...process.env, VMNET_BROKER_SOCKET: socketPath },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const child = this.#g.child;
    child.stdin?.on("error", () => {}); // a program that died: reported by send()
    child.stderr?.setEncoding("utf8").on("data", (s: string) => this.stderr.push(s));
    if (child.stdout) {
      createInterface({ input: child.stdout }).on("line", (line) => {
        this.#lines.push(line);
        this.#waiter?.();
      });
    }
    void this.#g.exited.then(() => this.#waiter?.());
  }

  get pid(): number | undefined {
    return this.#g.child.pid;
  }

  get killed(): boolean {
    return this.#killed;
  }

  #describeExit(): string {
    const tail = this.stderr.text.trim().split("\n").slice(-5).join(" | ");
    return `${this.label} exited${tail ? `; stderr: ${tail}` : ""}`;
  }

  async #nextLine(timeoutMs: number, what: string): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.#lines.shift();
      if (line !== undefined) return line;
      if (this.#g.hasExited()) throw new ProgramError(`no result for ${what}: ${this.#describeExit()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new ProgramError(`${this.label}: no result for ${what} within ${timeoutMs} ms (hang?)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#waiter = undefined;
    }
  }

  #write(command: Result): void {
    if (this.#g.hasExited()) throw new ProgramError(`cannot send ${String(command.op)}: ${this.#describeExit()}`);
    this.#g.child.stdin?.write(`${JSON.stringify(command)}\n`);
  }

  /** Sends one command and returns its result object. */
  async send(command: Result, timeoutMs: number): Promise<Result> {
    this.#write(command);
    return this.collect(String(command.op), timeoutMs);
  }

  /** Sends one command without reading its result (a background step). */
  sendBackground(command: Result): void {
    this.#write(command);
  }

  /** Reads the result of the oldest command not yet answered. */
  async collect(op: string, timeoutMs: number): Promise<Result> {
    const line = await this.#nextLine(timeoutMs, `op ${op}`);
    let result: unknown;
    try {
      result = JSON.parse(line);
    } catch {
      throw new ProgramError(`${this.label}: op ${op}: result is not JSON: ${line.slice(0, 200)}`);
    }
    if (typeof result !== "object" || result === null || Array.isArray(result) || typeof (result as Result).ok !== "boolean") {
      throw new ProgramError(`${this.label}: op ${op}: result must be an object with a boolean "ok": ${line.slice(0, 200)}`);
    }
    return result as Result;
  }

  /** The `exit` op: no result line; the program must exit promptly. */
  async exitNow(timeoutMs: number): Promise<Result> {
    this.#write({ op: "exit" });
    if (!(await exitedWithin(this.#g, timeoutMs))) throw new ProgramError(`${this.label}: still running ${timeoutMs} ms after op exit`);
    const status = await this.#g.exited;
    const stray = this.#lines.length;
    return { ok: status === 0 && stray === 0, status, ...(stray > 0 ? { unexpected_output: this.#lines.splice(0) } : {}) };
  }

  /** kill -9 of the whole program. */
  async kill(): Promise<void> {
    this.#killed = true;
    signalGroup(this.#g, "SIGKILL");
    await exitedWithin(this.#g, 10_000);
  }

  /** End of case: close stdin (the program exits 0), then force if it lingers. */
  async shutdown(): Promise<void> {
    this.#g.child.stdin?.end();
    if (!(await exitedWithin(this.#g, 3000))) await stopGroup(this.#g, 0);
  }
}
