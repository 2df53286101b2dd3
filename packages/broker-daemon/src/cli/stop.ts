// SPDX-License-Identifier: Apache-2.0
import { spawnSync } from "node:child_process";
import { FORCE_STOP_SIGNAL } from "../platform/darwin-stop-policy.js";
import { DEFAULT_SERVICE_NAME } from "../transport/xpc/xpc-transport.js";
import { parse } from "./parse.js";
import { UsageError } from "./usage-error.js";

/**
 * macOS: stops the broker's launchd job through launchd, which only root may do
 * for a system job: SIGTERM (refused while peers hold networks), or with --force
 * the broker's forced-stop signal, which destroys their networks.
 */
export async function stopCommand(args: string[]): Promise<number> {
  const { values } = parse("stop", args, { force: { type: "boolean" }, label: { type: "string" } });
  if (process.platform !== "darwin") {
    throw new UsageError("stop drives macOS's launchd job; on Linux use `systemctl stop vmnet-broker`", "stop");
  }
  const [file, ...rest] = stopInvocation(values.force ?? false, values.label ?? DEFAULT_SERVICE_NAME);
  const result = spawnSync(file as string, rest, { stdio: "inherit" });
  if (result.error) throw new Error(`cannot run launchctl: ${result.error.message}`);
  return result.status ?? 1;
}

export function stopInvocation(force: boolean, label: string): string[] {
  return ["launchctl", "kill", force ? FORCE_STOP_SIGNAL : "SIGTERM", `system/${label}`];
}
