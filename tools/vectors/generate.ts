// SPDX-License-Identifier: Apache-2.0
/**
 * Writes protocol/vectors/ (manifest.json + one .bin per vector), or with
 * --check compares the committed files and exits 1 naming every difference.
 */
import { differences, vectorsDir, writeVectors } from "./vector-files.js";

if (process.argv.includes("--check")) {
  const problems = differences();
  for (const p of problems) process.stderr.write(`${p}\n`);
  if (problems.length > 0) {
    process.stderr.write("golden vectors are stale: run `npx nx run tools:vectors`\n");
    process.exit(1);
  }
  process.stdout.write("golden vectors: current\n");
} else {
  process.stdout.write(`golden vectors: wrote ${writeVectors()} to ${vectorsDir()}\n`);
}
