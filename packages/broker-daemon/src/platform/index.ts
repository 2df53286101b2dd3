// SPDX-License-Identifier: Apache-2.0
import type { Platform, PlatformOptions } from "./platform.js";

export type { Platform, PlatformOptions } from "./platform.js";

/** The backend and transport for the OS we run on, loaded only there. */
export async function createPlatform(options: PlatformOptions): Promise<Platform> {
  switch (process.platform) {
    case "linux":
      return (await import("./linux.js")).createLinuxPlatform(options);
    case "darwin":
      return (await import("./darwin.js")).createDarwinPlatform(options);
    default:
      throw new Error(`vmnet-broker runs on Linux and macOS, not ${process.platform}`);
  }
}
