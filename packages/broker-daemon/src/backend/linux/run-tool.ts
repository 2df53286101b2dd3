// SPDX-License-Identifier: Apache-2.0
/** Runs the real network tools (ip, nft, dnsmasq) without a shell. */
import { spawn } from "node:child_process";

export class ToolError extends Error {
  override readonly name = "ToolError";
  constructor(
    message: string,
    readonly stderr: string,
    readonly exitCode: number | null,
  ) {
    super(message);
  }
}

export interface ToolOptions {
  /** Written to the tool's stdin (`ip -batch -`, `nft -f -`). */
  readonly input?: string;
  /** Safety limit; the tool is killed after it. */
  readonly timeoutMs?: number;
}

/**
 * Runs `file args...`, resolves with stdout; rejects with a ToolError whose message
 * is "<file> <args> failed (exit N): <stderr>".
 */
export function runTool(file: string, args: readonly string[], options: ToolOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: ["pipe", "pipe", "pipe"],
      timeout: options.timeoutMs ?? 30_000,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.stdin.on("error", () => {
      // The tool may exit before reading its input; its exit status tells why.
    });
    child.on("error", (error) => {
      reject(new ToolError(`${file} could not be started: ${error.message}`, "", null));
    });
    child.on("close", (code, signal) => {
      const errText = Buffer.concat(stderr).toString("utf8").trim();
      if (code === 0) {
        resolve(Buffer.concat(stdout).toString("utf8"));
        return;
      }
      const how = signal !== null ? `signal ${signal}` : `exit ${code}`;
      const command = [file, ...args].join(" ");
      reject(new ToolError(`${command} failed (${how}): ${errText || "no message"}`, errText, code));
    });
    child.stdin.end(options.input ?? "");
  });
}
