import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { NativeAddon } from "./native-addon.js";

/** The one place that loads the addon: a prebuild, or build/Release from node-gyp. */
const require = createRequire(import.meta.url);
const nodeGypBuild = require("node-gyp-build") as (dir: string) => unknown;
// Two levels up from src/native/ (tests) or dist/native/ (built) is the package root.
const packageRoot = fileURLToPath(new URL("../..", import.meta.url));

export const native = nodeGypBuild(packageRoot) as NativeAddon;
