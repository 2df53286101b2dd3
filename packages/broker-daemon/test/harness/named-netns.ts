// SPDX-License-Identifier: Apache-2.0
// Named network namespaces (`ip netns`) that e2e tests make and remove: where
// `serve --host` runs, so the machine's own namespace is never touched.
import { execFileSync } from "node:child_process";

/** Makes the namespace with its loopback up. */
export function addNetns(name: string): void {
  execFileSync("ip", ["netns", "add", name]);
  execFileSync("ip", ["-n", name, "link", "set", "lo", "up"]);
}

/** The pids of every process in the namespace. */
export function netnsPids(name: string): number[] {
  return execFileSync("ip", ["netns", "pids", name], { encoding: "utf8" }).split("\n").filter(Boolean).map(Number);
}

/** Kills whatever a failed test left running in it, then removes it (and what it holds). */
export function removeNetns(name: string): void {
  for (const pid of netnsPids(name)) process.kill(pid, "SIGKILL");
  execFileSync("ip", ["netns", "del", name]);
}
