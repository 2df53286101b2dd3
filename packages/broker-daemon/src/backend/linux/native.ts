/**
 * The one loader of the daemon's native addon: node-gyp-build finds
 * build/Release or prebuilds/<platform>-<arch> under the package directory.
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { LinuxNative } from "./native-surface.js";

export type { CommonNative, FdPlacement, LinuxNative, OpenedTap, TapRequest } from "./native-surface.js";

/** packages/broker-daemon, from src/backend/linux or dist/backend/linux. */
const PACKAGE_DIR = fileURLToPath(new URL("../../../", import.meta.url));

let loaded: LinuxNative | undefined;

/** Loads the addon once; throws with the package directory named when it is not built. */
export function linuxNative(): LinuxNative {
  if (loaded !== undefined) return loaded;
  const require = createRequire(import.meta.url);
  const nodeGypBuild = require("node-gyp-build") as (dir: string) => unknown;
  try {
    loaded = nodeGypBuild(PACKAGE_DIR) as LinuxNative;
  } catch (error) {
    throw new Error(`cannot load the native addon from ${PACKAGE_DIR} (run \`node-gyp rebuild\` there)`, { cause: error });
  }
  return loaded;
}
