#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Every source file the project writes starts with its license identifier, the
// SPDX way. `node tools/release/spdx.mjs` lists the files without one and fails;
// `--fix` adds it (after a shebang, in the file's own comment syntax).
// Generated files carry their generator's header instead and are left out.
import { execFileSync } from "node:child_process";
import { lstatSync, readFileSync, writeFileSync } from "node:fs";
import { basename, extname, join } from "node:path";

const TAG = "SPDX-License-Identifier: Apache-2.0";
const root = join(import.meta.dirname, "../..");

const slashes = new Set([".ts", ".mts", ".cts", ".mjs", ".cjs", ".js", ".go", ".c", ".h", ".cc", ".swift", ".proto"]);
const hashes = new Set([".sh", ".script", ".yaml", ".yml", ".gyp", ".mk", ".sysusers", ".tmpfiles", ".service", ".socket"]);
const hashNames = new Set(["Makefile", "init", "udhcpc-script", "rules", "protoc-gen-swift-vmnet", "run"]);

const generated = [
  /\/gen\//,
  /^packages\/client-go\/internal\/brokerpb\//,
  /^packages\/client-swift\/Sources\/VmnetBrokerProto\//,
  /^packages\/broker-daemon\/man\//,
  /^packages\/broker-daemon\/completions\//,
  /^tools\/darwin-stubs\/include\//,
];

function commentFor(path, firstLine) {
  if (firstLine.startsWith("#!")) return /\bnode\b/.test(firstLine) ? `// ${TAG}` : `# ${TAG}`;
  const ext = extname(path);
  if (slashes.has(ext)) return `// ${TAG}`;
  if (hashes.has(ext) || hashNames.has(basename(path))) return `# ${TAG}`;
  return undefined;
}

const files = execFileSync("git", ["ls-files"], { cwd: root, encoding: "utf8" })
  .split("\n")
  .filter((f) => f !== "" && !generated.some((g) => g.test(f)));
const fix = process.argv.includes("--fix");
const missing = [];
for (const file of files) {
  const path = join(root, file);
  let text;
  try {
    if (lstatSync(path).isSymbolicLink()) continue; // its target is checked itself
    text = readFileSync(path, "utf8");
  } catch {
    continue; // deleted in the work tree
  }
  const comment = commentFor(file, text.slice(0, text.indexOf("\n") >>> 0));
  if (comment === undefined) continue;
  // The tag must be among the first lines (after a shebang or a leading header).
  if (text.split("\n", 5).some((line) => line.includes(TAG))) continue;
  missing.push(file);
  if (!fix) continue;
  const lines = text.split("\n");
  const at = lines[0]?.startsWith("#!") ? 1 : 0;
  // Go: a blank line keeps the tag out of the package's doc comment.
  lines.splice(at, 0, ...(extname(file) === ".go" ? [comment, ""] : [comment]));
  writeFileSync(path, lines.join("\n"));
}
if (missing.length > 0 && !fix) {
  console.error(`spdx: ${missing.length} source files lack "${TAG}" (node tools/release/spdx.mjs --fix adds it):`);
  for (const file of missing) console.error(`  ${file}`);
  process.exit(1);
}
console.log(fix ? `spdx: added the identifier to ${missing.length} files` : `spdx: every source file carries "${TAG}"`);
