// SPDX-License-Identifier: Apache-2.0
/**
 * The one loader of the daemon's native addon: node-gyp-build finds
 * build/Release or prebuilds/<platform>-<arch> under the package directory.
 */
import { createRequire } from "node:module";
import { PACKAGE_DIR } from "../../package-root.js";
import type { LinuxNative } from "./native-surface.js";

export type { CommonNative, FdPlacement, LinuxNative, OpenedTap, TapRequest } from "./native-surface.js";

let loaded: LinuxNative | undefined;

/** Loads the addon once, on first use; throws naming what is missing and how to get it. */
export function linuxNative(): LinuxNative {
  if (loaded !== undefined) return loaded;
  const require = createRequire(import.meta.url);
  const nodeGypBuild = require("node-gyp-build") as (dir: string) => unknown;
  try {
    loaded = nodeGypBuild(PACKAGE_DIR) as LinuxNative;
  } catch (error) {
    throw new Error(
      `@vmnet-broker/daemon: cannot load its native addon (vmnet_broker_daemon.node): no usable prebuild for ` +
        `${process.platform}-${process.arch} under ${PACKAGE_DIR}prebuilds and no build under ${PACKAGE_DIR}build/Release. ` +
        "Prebuilds ship for linux-x64 and linux-arm64 (glibc); elsewhere install a C++ compiler, make and python3, " +
        "then run `npm rebuild @vmnet-broker/daemon`.",
      { cause: error },
    );
  }
  return loaded;
}
