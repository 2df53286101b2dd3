// SPDX-License-Identifier: Apache-2.0
// Mutation testing of the daemon's platform-free code (core, config, transport)
// against its unit tests: `nx run broker-daemon:mutation`. See mutation/README.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutation.config.ts" },
  mutate: ["src/{core,config,transport}/**/*.ts", "!src/**/*.test.ts", "!src/**/*.test-util.ts"],
  coverageAnalysis: "perTest",
  // Two shared cores: leave room for everyone else.
  concurrency: 2,
  timeoutMS: 10_000,
  reporters: ["clear-text", "progress-append-only", "html", "json"],
  htmlReporter: { fileName: "mutation/report/index.html" },
  jsonReporter: { fileName: "mutation/report/mutation.json" },
  thresholds: { high: 90, low: 80, break: null },
};
