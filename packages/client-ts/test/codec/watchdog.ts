// SPDX-License-Identifier: Apache-2.0
/**
 * Runs synchronous code under a watchdog: node:vm's timeout terminates the
 * running JavaScript (even functions from this context), so an endless decode
 * loop fails the test instead of hanging the run.
 */
import vm from "node:vm";

const context = vm.createContext({ job: undefined as (() => unknown) | undefined });
const script = new vm.Script("job()");

export class Hang extends Error {
  override readonly name = "Hang";
}

export function withWatchdog<T>(ms: number, job: () => T): T {
  context.job = job;
  try {
    return script.runInContext(context, { timeout: ms }) as T;
  } catch (err) {
    // The timeout error comes from another realm: test its code, not its class.
    if ((err as { code?: unknown } | null)?.code === "ERR_SCRIPT_EXECUTION_TIMEOUT") {
      throw new Hang(`still running after ${ms} ms`);
    }
    throw err;
  } finally {
    context.job = undefined;
  }
}
