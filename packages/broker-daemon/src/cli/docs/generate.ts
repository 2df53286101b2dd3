// SPDX-License-Identifier: Apache-2.0
/**
 * Writes the man page and the shell completions rendered from the CLI's usage
 * data (nx run broker-daemon:docs). The outputs are committed, so packages
 * install them without building; docs.test.ts fails when they are stale.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_DIR } from "../../package-root.js";
import { VERSION } from "../../version.js";
import { bashCompletion, zshCompletion } from "./completions.js";
import { manPage } from "./man-page.js";

/** Paths relative to packages/broker-daemon, and their text. */
export function generatedDocs(): Record<string, string> {
  return {
    "man/vmnet-broker.1": manPage(VERSION),
    "completions/vmnet-broker.bash": bashCompletion(),
    "completions/_vmnet-broker": zshCompletion(),
  };
}

if (process.argv[1] === import.meta.filename) {
  for (const [path, text] of Object.entries(generatedDocs())) {
    writeFileSync(join(PACKAGE_DIR, path), text);
    process.stdout.write(`wrote ${path}\n`);
  }
}
