// SPDX-License-Identifier: Apache-2.0
/**
 * The TypeScript client's conformance program: one command object per stdin
 * line, exactly one result object per stdout line, in order; diagnostics on
 * stderr; exit 0 when stdin closes (protocol/conformance/README.md).
 */
import { createInterface } from "node:readline";
import { BrokerError, ErrorCodes } from "@vmnet-broker/client";
import { type Command, ConformanceClient } from "./commands.js";

function reply(result: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function failure(error: unknown): Record<string, unknown> {
  if (error instanceof BrokerError) return { ok: false, code: error.code, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { ok: false, code: ErrorCodes.InternalError, message };
}

async function main(): Promise<void> {
  const client = new ConformanceClient();
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (line.trim() === "") continue;
    let command: Command;
    try {
      command = JSON.parse(line) as Command;
    } catch (error) {
      reply({ ok: false, code: ErrorCodes.InvalidRequest, message: `not JSON: ${String(error)}` });
      continue;
    }
    if (command.op === "exit") {
      // Leave without closing: the kernel closes the socket, as after a crash.
      process.exit(0);
    }
    try {
      reply({ ok: true, ...(await client.run(command)) });
    } catch (error) {
      process.stderr.write(`conformance-ts: ${String(command.op)}: ${String(error)}\n`);
      reply(failure(error));
    }
  }
  process.exit(0);
}

void main();
