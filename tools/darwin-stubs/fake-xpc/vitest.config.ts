// SPDX-License-Identifier: Apache-2.0
import { defineConfig } from "vitest/config";

// Only for run.sh: the listener test needs the test addon it builds (FAKE_XPC_ADDON).
export default defineConfig({
  test: {
    include: ["listener.test.ts", "vmnet.test.ts", "client-c.test.ts", "client-c-sessions.test.ts", "client-c-broker.test.ts"],
    testTimeout: 30_000,
  },
});
