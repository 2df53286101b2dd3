// SPDX-License-Identifier: Apache-2.0
// Runs the calling bench script again inside namespaces of its own (network, pid,
// /proc), once: everything it makes goes with them, even after a kill -9 of the run.
import { spawnSync } from "node:child_process";

/** Returns inside the namespaces; outside, re-executes the script there and exits with its status. */
export function enterPrivateNamespaces(marker) {
  if (process.env[marker] === "1") return;
  const result = spawnSync(
    "unshare",
    ["--net", "--pid", "--fork", "--kill-child", "--mount-proc", "--", process.execPath, ...process.argv.slice(1)],
    { stdio: "inherit", env: { ...process.env, [marker]: "1" } },
  );
  process.exit(result.status ?? 1);
}
