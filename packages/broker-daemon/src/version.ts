// SPDX-License-Identifier: Apache-2.0
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_DIR } from "./package-root.js";

/** The daemon's version: package.json's, or VMNET_BROKER_VERSION when bundled. */
function readVersion(): string {
  if (process.env.VMNET_BROKER_VERSION) return process.env.VMNET_BROKER_VERSION;
  try {
    const pkg = JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8")) as { version?: string };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

export const VERSION = readVersion();
/** The commit the daemon was built from, when the build recorded it. */
export const COMMIT = process.env.VMNET_BROKER_COMMIT ?? "";
