// SPDX-License-Identifier: Apache-2.0
// set-version.mjs on a copy of the checkout's versioned files.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { places } from "./places.mjs";

const root = join(import.meta.dirname, "../..");
const script = join(import.meta.dirname, "set-version.mjs");
let copy;

function run(...args) {
  return spawnSync(process.execPath, [script, "--root", copy, ...args], { encoding: "utf8" });
}
const read = (file) => readFileSync(join(copy, file), "utf8");

before(() => {
  copy = mkdtempSync(join(tmpdir(), "vmnet-broker-set-version-"));
  for (const file of ["VERSION", ...new Set(places("0.0.0").map((p) => p.file))]) {
    cpSync(join(root, file), join(copy, file), { recursive: true });
  }
});
after(() => rmSync(copy, { recursive: true, force: true }));

test("the checkout agrees with its VERSION", () => {
  const result = spawnSync(process.execPath, [script, "--check"], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
});

test("a new version reaches every place, and --check then passes", () => {
  assert.equal(run("1.22.333-rc.1").status, 0);
  assert.equal(read("VERSION"), "1.22.333-rc.1\n");
  assert.equal(JSON.parse(read("packages/client-ts/package.json")).version, "1.22.333-rc.1");
  const daemon = JSON.parse(read("packages/broker-daemon/package.json"));
  assert.equal(daemon.dependencies["@vmnet-broker/client"], "1.22.333-rc.1");
  const lock = JSON.parse(read("package-lock.json"));
  assert.equal(lock.packages["packages/broker-daemon"].version, "1.22.333-rc.1");
  const header = read("packages/client-c/include/vmnet-broker.h");
  assert.match(header, /^#define VMNET_BROKER_VERSION_MAJOR 1$/m);
  assert.match(header, /^#define VMNET_BROKER_VERSION_MINOR 22$/m);
  assert.match(header, /^#define VMNET_BROKER_VERSION_PATCH 333$/m);
  assert.match(header, /^#define VMNET_BROKER_VERSION_STRING "1.22.333-rc.1"$/m);
  assert.match(read("packages/client-go/options.go"), /ClientVersion = "1.22.333-rc.1"/);
  assert.match(read("Package.swift"), /"\\"1.22.333-rc.1-swift\\""/);
  assert.match(read("packages/client-ts/src/broker-client.ts"), /CLIENT_VERSION = "1.22.333-rc.1"/);
  assert.equal(run("--check").status, 0);
});

test("--check names the place that disagrees", () => {
  const file = "packages/client-go/options.go";
  writeFileSync(join(copy, file), read(file).replace(/ClientVersion = "[^"]*"/, 'ClientVersion = "9.9.9"'));
  const result = run("--check");
  assert.equal(result.status, 1);
  assert.match(result.stderr, /packages\/client-go\/options.go: ClientVersion is not 1.22.333-rc.1/);
});

test("a place that cannot be found fails instead of being skipped", () => {
  const file = "packages/client-ts/src/broker-client.ts";
  writeFileSync(join(copy, file), read(file).replace(/const CLIENT_VERSION = /, "const RENAMED = "));
  const result = run("--check");
  assert.notEqual(result.status, 0);
  assert.match(result.stderr, /expected one CLIENT_VERSION, found 0/);
});

test("a version that is not semver is refused", () => {
  const result = run("1.2");
  assert.equal(result.status, 1);
  assert.match(result.stderr, /'1.2' is not MAJOR.MINOR.PATCH/);
});
