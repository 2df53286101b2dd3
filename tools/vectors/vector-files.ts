// SPDX-License-Identifier: Apache-2.0
/** Reads and writes the committed vectors under protocol/vectors/. */
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildAll, manifestText } from "./build.js";
import { repoRoot } from "./repo-root.js";

export function vectorsDir(root = repoRoot()): string {
  return join(root, "protocol", "vectors");
}

/** Every difference between the committed vectors and a fresh build. */
export function differences(dir = vectorsDir()): string[] {
  const { manifest, files } = buildAll();
  const problems: string[] = [];
  const manifestPath = join(dir, "manifest.json");
  if (!existsSync(manifestPath) || readFileSync(manifestPath, "utf8") !== manifestText(manifest)) {
    problems.push(`${manifestPath}: differs from the generator's output`);
  }
  for (const [file, bytes] of files) {
    const path = join(dir, file);
    if (!existsSync(path)) problems.push(`${path}: missing`);
    else if (!Buffer.from(bytes).equals(readFileSync(path))) problems.push(`${path}: bytes differ`);
  }
  for (const file of existsSync(dir) ? readdirSync(dir) : []) {
    if (file.endsWith(".bin") && !files.has(file)) problems.push(`${join(dir, file)}: not produced by the generator`);
  }
  return problems;
}

export function writeVectors(dir = vectorsDir()): number {
  const { manifest, files } = buildAll();
  mkdirSync(dir, { recursive: true });
  for (const file of readdirSync(dir)) if (file.endsWith(".bin") && !files.has(file)) unlinkSync(join(dir, file));
  for (const [file, bytes] of files) writeFileSync(join(dir, file), bytes);
  writeFileSync(join(dir, "manifest.json"), manifestText(manifest));
  return files.size;
}
