#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Builds vmnet-broker as a Node single executable application (Node 20 SEA):
//
//   node tools/sea/build.mjs [--out DIR]
//
// 1. esbuild bundles packages/broker-daemon/dist/cli/main.js into one CommonJS file;
// 2. node --experimental-sea-config turns it into a blob;
// 3. postject injects the blob into a copy of this node binary;
// 4. the native addons are copied beside it (loaded by path, see sea-module-shim.cjs);
// 5. on macOS the executable is ad-hoc signed with the virtualization entitlement
//    and the install files are added; elsewhere signing is skipped with a message.
//
// Prints the output directory. Needs `npx nx run broker-daemon:build` first.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const daemonDir = join(root, "packages/broker-daemon");
const clientDir = join(root, "packages/client-ts");
const SEA_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";

function fail(message) {
  process.stderr.write(`sea/build: ${message}\n`);
  process.exit(1);
}

function log(message) {
  process.stderr.write(`sea/build: ${message}\n`);
}

const { values } = parseArgs({ options: { out: { type: "string" } } });
const version = JSON.parse(readFileSync(join(daemonDir, "package.json"), "utf8")).version;
const platform = process.platform === "darwin" ? "darwin" : process.platform;
const outDir = resolve(values.out ?? join(root, "build/sea", `vmnet-broker-${version}-${platform}-${process.arch}`));

const mainJs = join(daemonDir, "dist/cli/main.js");
const addons = [
  { from: join(daemonDir, "build/Release/vmnet_broker_daemon.node"), name: "vmnet_broker_daemon.node" },
  { from: join(clientDir, "build/Release/vmnet_broker_socket.node"), name: "vmnet_broker_socket.node" },
];
for (const file of [mainJs, ...addons.map((a) => a.from)]) {
  if (!existsSync(file)) fail(`${file} is missing: run \`npx nx run broker-daemon:build\` first`);
}

let commit = "";
try {
  commit = execFileSync("git", ["-C", root, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
} catch {
  // not a git checkout: no commit in the start line
}

rmSync(outDir, { recursive: true, force: true });
mkdirSync(join(outDir, "bin"), { recursive: true });
const work = join(outDir, ".work");
mkdirSync(work);

// 1. One CommonJS file. import.meta.url becomes a per-file virtual URL under
// /vmnet-broker-sea/ (no build-machine paths in the executable), which the
// module shim maps to the addon beside the executable.
const shim = join(here, "sea-module-shim.cjs");
const bundle = join(work, "vmnet-broker.cjs");
const entry = join(work, "entry.mjs");
writeFileSync(entry, `import ${JSON.stringify(join(here, "sea-env.cjs"))};\nimport ${JSON.stringify(mainJs)};\n`);
await build({
  entryPoints: [entry],
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  outfile: bundle,
  logLevel: "warning",
  define: {
    VMNET_BROKER_SEA_VERSION: JSON.stringify(version),
    VMNET_BROKER_SEA_COMMIT: JSON.stringify(commit),
  },
  plugins: [
    {
      name: "sea",
      setup(b) {
        b.onResolve({ filter: /^(node:)?module$/ }, (args) => (args.importer === shim ? undefined : { path: shim }));
        b.onLoad({ filter: /\/packages\/[^/]+\/dist\/.*\.js$/ }, (args) => {
          const text = readFileSync(args.path, "utf8");
          if (!text.includes("import.meta.url")) return undefined;
          const virtual = `file:///vmnet-broker-sea/${args.path.slice(root.length + 1)}`;
          return { contents: text.replaceAll("import.meta.url", JSON.stringify(virtual)), loader: "js", resolveDir: dirname(args.path) };
        });
      },
    },
  ],
});

// 2. The blob.
const blob = join(work, "sea-prep.blob");
const seaConfig = join(work, "sea-config.json");
writeFileSync(seaConfig, JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }));
execFileSync(process.execPath, ["--experimental-sea-config", seaConfig], { stdio: ["ignore", "ignore", "inherit"] });

// 3. A copy of this node with the blob injected.
const exe = join(outDir, "bin/vmnet-broker");
copyFileSync(process.execPath, exe);
chmodSync(exe, 0o755);
if (process.platform === "darwin") execFileSync("codesign", ["--remove-signature", exe], { stdio: "inherit" });
const postject = join(root, "node_modules/.bin/postject");
const postjectArgs = [exe, "NODE_SEA_BLOB", blob, "--sentinel-fuse", SEA_FUSE];
if (process.platform === "darwin") postjectArgs.push("--macho-segment-name", "NODE_SEA");
execFileSync(postject, postjectArgs, { stdio: ["ignore", "ignore", "inherit"] });

// 4. The addons, loaded by path.
for (const addon of addons) copyFileSync(addon.from, join(outDir, "bin", addon.name));

// 5. Signing and install files.
if (process.platform === "darwin") {
  const entitlements = join(daemonDir, "macos/entitlements.plist");
  for (const addon of addons) execFileSync("codesign", ["--sign", "-", "--force", join(outDir, "bin", addon.name)], { stdio: "inherit" });
  execFileSync("codesign", ["--sign", "-", "--force", "--entitlements", entitlements, exe], { stdio: "inherit" });
  for (const file of ["install.sh", "uninstall.sh", "common.sh", "com.github.nirs.vmnet-broker.plist", "entitlements.plist"]) {
    copyFileSync(join(daemonDir, "macos", file), join(outDir, file));
  }
  chmodSync(join(outDir, "install.sh"), 0o755);
  chmodSync(join(outDir, "uninstall.sh"), 0o755);
} else {
  log(`not signing on ${process.platform}: codesign and the virtualization entitlement exist only on macOS`);
}

rmSync(work, { recursive: true, force: true });
process.stdout.write(`${outDir}\n`);
