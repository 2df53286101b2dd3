// SPDX-License-Identifier: Apache-2.0
import { defineConfig } from "vitest/config";

// For Stryker only: the unit tests of the mutated folders. The e2e tests in test/
// need root and namespaces, and other folders' tests do not exercise this code.
export default defineConfig({
  test: {
    include: ["src/{core,config,transport}/**/*.test.ts"],
    // Stryker runs tests in worker threads. Ending a worker closes the fds it
    // opened with fs.openSync, even those the socket addon already closed and
    // the number since reused, which aborts the process: keep one worker alive.
    isolate: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
