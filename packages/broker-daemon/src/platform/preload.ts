// SPDX-License-Identifier: Apache-2.0
/**
 * Starts loading this OS's platform modules now, while the caller loads others:
 * the module loader reads files asynchronously, so two graphs load side by side.
 * createPlatform() then finds them loaded (or reports the failure itself). Safe
 * before the sandbox is entered: these modules touch no namespace at import time.
 */
export function preloadPlatform(): void {
  if (process.platform === "linux") import("./linux.js").catch(() => {});
  else if (process.platform === "darwin") import("./darwin.js").catch(() => {});
}
