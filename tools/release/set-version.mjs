#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// The release step's one command: writes the version of the VERSION file into
// every place that carries it.
//
//   node tools/release/set-version.mjs 0.2.0    write 0.2.0 to VERSION, then everywhere
//   node tools/release/set-version.mjs          everywhere, from VERSION
//   node tools/release/set-version.mjs --check  fail, naming each place, if any disagrees
//
// --root DIR works on another checkout (the script's tests use a copy).
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { places } from "./places.mjs";

const SEMVER = /^(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?$/;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { check: { type: "boolean" }, root: { type: "string" } },
});
const root = resolve(values.root ?? join(import.meta.dirname, "../.."));
const versionFile = join(root, "VERSION");

if (positionals.length > 1 || (values.check && positionals.length > 0)) {
  console.error("usage: set-version.mjs [VERSION | --check] [--root DIR]");
  process.exit(2);
}
if (positionals.length === 1) writeFileSync(versionFile, `${positionals[0]}\n`);
const version = readFileSync(versionFile, "utf8").trim();
if (!SEMVER.test(version)) {
  console.error(`set-version: ${versionFile}: '${version}' is not MAJOR.MINOR.PATCH[-PRERELEASE]`);
  process.exit(1);
}

const wrong = [];
for (const place of places(version)) {
  const file = join(root, place.file);
  const before = readFileSync(file, "utf8");
  const after = place.apply(before);
  if (after === before) continue;
  if (values.check) wrong.push(`${place.file}: ${place.what} is not ${version}`);
  else writeFileSync(file, after);
}
if (wrong.length > 0) {
  console.error(`set-version: VERSION says ${version}, but:\n  ${wrong.join("\n  ")}`);
  console.error("run: node tools/release/set-version.mjs");
  process.exit(1);
}
console.log(values.check ? `set-version: every place says ${version}` : `set-version: ${version} everywhere`);
