// SPDX-License-Identifier: Apache-2.0
import { defineConfig } from "vitest/config";

// Unmodified VM tools (QEMU, libvirt) against a live broker: slow (TCG boots),
// so separate from `test`; `npm test` runs both.
export default defineConfig({
  test: {
    include: ["test/vm/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 180_000,
  },
});
