// SPDX-License-Identifier: Apache-2.0
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { NativeAddon } from "./native-addon.js";

/** The one place that loads the addon: a prebuild, or build/Release from node-gyp. */
const require = createRequire(import.meta.url);
// Two levels up from src/native/ (tests) or dist/native/ (built) is the package root.
const packageRoot = fileURLToPath(new URL("../..", import.meta.url));

/** Loads the addon from packageRoot, or throws an Error that says what is missing and how to get it. */
export function loadNativeAddon(root: string): NativeAddon {
  const nodeGypBuild = require("node-gyp-build") as (dir: string) => unknown;
  try {
    return nodeGypBuild(root) as NativeAddon;
  } catch (error) {
    const target = `${process.platform}-${process.arch}`;
    throw new Error(
      `@vmnet-broker/client: cannot load its native addon (vmnet_broker_socket.node): ` +
        `no usable prebuild for ${target} under ${root}prebuilds and no build under ${root}build/Release. ` +
        `Prebuilds ship for linux-x64 and linux-arm64 (glibc); elsewhere install a C++ compiler, make and ` +
        `python3, then run \`npm rebuild @vmnet-broker/client\`.`,
      { cause: error },
    );
  }
}

let loaded: NativeAddon | undefined;

/** The addon, loaded on the first call rather than at import. */
export function nativeAddon(): NativeAddon {
  loaded ??= loadNativeAddon(packageRoot);
  return loaded;
}

/**
 * The addon behind a proxy that loads it on first use, so that importing the
 * package (for its types, errors or codec) works even where the addon is missing.
 */
export const native: NativeAddon = new Proxy({} as NativeAddon, {
  get: (_target, key) => Reflect.get(nativeAddon(), key),
});
