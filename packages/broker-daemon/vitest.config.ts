// SPDX-License-Identifier: Apache-2.0
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // The VM-tool tests boot guests under TCG: their own target (test-vm).
    exclude: ["test/vm/**", "**/node_modules/**"],
    // End-to-end tests start real daemons in their own namespaces; run files one
    // at a time so two of them never compete for the same resources.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
