// SPDX-License-Identifier: Apache-2.0
// Bundles the compiled CLI (dist/cli/main.js, from tsc) and the client package
// into one file, dist/vmnet-broker.mjs: the package's bin. Loading ~110 ES modules
// one by one was most of `serve`'s start-up (bench/startup.mjs, bench/README.md);
// one file also started faster than split chunks that keep each command lazy.
//
//   node tools/bundle.mjs   (after tsc; the last step of nx run broker-daemon:build)
//
// The addons stay outside: node-gyp-build loads them at run time, from the package
// directories, through createRequire, which esbuild leaves alone. The bundle sits
// directly in dist/, as dist/package-root.js does, so PACKAGE_DIR holds in both.
// The client's files find its addon from their import.meta.url; in the bundle that
// becomes the file's URL in the installed @vmnet-broker/client.
import { chmodSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const daemonDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const clientDist = join(daemonDir, "../client-ts/dist");
const outfile = join(daemonDir, "dist/vmnet-broker.mjs");

await build({
  entryPoints: [join(daemonDir, "dist/cli/main.js")],
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  outfile,
  logLevel: "warning",
  plugins: [
    {
      name: "client-import-meta-url",
      setup(b) {
        b.onLoad({ filter: /\.js$/ }, (args) => {
          if (!args.path.startsWith(`${clientDist}/`)) return undefined;
          const text = readFileSync(args.path, "utf8");
          if (!text.includes("import.meta.url")) return undefined;
          const file = `./${relative(clientDist, args.path)}`;
          const url = `new URL(${JSON.stringify(file)}, import.meta.resolve("@vmnet-broker/client")).href`;
          return { contents: text.replaceAll("import.meta.url", url), loader: "js", resolveDir: dirname(args.path) };
        });
      },
    },
  ],
});
chmodSync(outfile, 0o755);
