// SPDX-License-Identifier: Apache-2.0
/**
 * run-case.ts end to end against stand-ins (fixtures/fake-broker.mjs and
 * fixtures/fake-client.mjs): steps, captures, polling, kill, restart, failure
 * reports, and that nothing the run started outlives it.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCase } from "./case-format.js";
import { overrideProgram } from "./languages.js";
import { loadSchema } from "./raw-frame.js";
import { repoRoot } from "./repo-root.js";
import { type RunContext, runCase } from "./run-case.js";

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const root = repoRoot();
let scratch: string;
let savedTmp: string | undefined;
let ctx: RunContext;

beforeAll(() => {
  // Every temporary directory of these runs lands here, so leaks are visible.
  scratch = mkdtempSync(join(tmpdir(), "run-case-test-"));
  savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = scratch;
  overrideProgram("ts", fixture("fake-client.mjs"));
  ctx = { root, mainJs: fixture("fake-broker.mjs"), schema: loadSchema(root), available: new Set(["ts"]) };
});

afterAll(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  rmSync(scratch, { recursive: true, force: true });
});

/** Processes whose command line mentions the scratch directory. */
function processesUsingScratch(): number[] {
  return readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, "utf8").includes(scratch);
      } catch {
        return false;
      }
    })
    .map(Number);
}

const lease = parseCase("lease.yaml", {
  name: "test/lease",
  broker: { idle_delay_ms: 200 },
  clients: ["a", "b"],
  steps: [
    { client: "a", op: "connect" },
    { client: "a", op: "acquire", network: "shared", capture: { bridge: "network.bridge" } },
    { client: "b", op: "connect" },
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the case format's capture syntax
    { client: "b", op: "acquire", network: "shared", expect: { network: { bridge: "${bridge}" } } },
    { client: "b", op: "acquire", network: "missing", expect: { code: 5 } },
    { check: "status", expect: { networks: { shared: { references: 2 } }, peers: 2 } },
    { kill: "a" },
    { check: "status", within_ms: 5000, expect: { networks: { shared: { references: 1 } }, peers: 1 } },
    { client: "b", op: "exit" },
    { wait_removed: "shared" },
    { check: "status", expect: { networks: { shared: null }, peers: 0 } },
  ],
});

describe("runCase", () => {
  it("passes a lease lifecycle and leaves nothing behind", async () => {
    const run = await runCase(ctx, lease, "ts");
    expect(run.outcome).toEqual({ kind: "pass" });
    expect(readdirSync(scratch)).toEqual([]);
    expect(processesUsingScratch()).toEqual([]);
  });

  it("fails with the step, the path and the actual result", async () => {
    const c = parseCase("bad.yaml", {
      name: "test/bad",
      clients: ["a"],
      steps: [
        { client: "a", op: "connect" },
        { client: "a", op: "acquire", network: "shared", expect: { network: { bridge: "br-other" } } },
      ],
    });
    const run = await runCase(ctx, c, "ts");
    expect(run.outcome.kind).toBe("fail");
    expect(run.outcome.kind === "fail" && run.outcome.reason).toMatch(
      /step 1 \(a acquire\): \$\.network\.bridge: expected "br-other", got "br-shared"/,
    );
    expect(run.logs).toMatch(/fake broker listening/);
    expect(readdirSync(scratch)).toEqual([]);
  });

  it("sees code 1 after a broker restart, then reconnects", async () => {
    const c = parseCase("restart.yaml", {
      name: "test/restart",
      clients: ["a"],
      steps: [
        { client: "a", op: "connect" },
        { client: "a", op: "acquire", network: "host" },
        { restart_broker: true },
        { client: "a", op: "acquire", network: "host", expect: { code: 1 } },
        { client: "a", op: "connect" },
        { client: "a", op: "acquire", network: "host" },
        { check: "status", expect: { networks: { host: { references: 1 } } } },
      ],
    });
    expect((await runCase(ctx, c, "ts")).outcome).toEqual({ kind: "pass" });
    expect(processesUsingScratch()).toEqual([]);
  });

  it("reports a polled status that never matches, and a language with no program", async () => {
    const c = parseCase("poll.yaml", {
      name: "test/poll",
      clients: ["a", { name: "b", language: "other" }],
      steps: [{ check: "status", within_ms: 300, expect: { peers: 5 } }],
    });
    const missing = await runCase(ctx, c, "ts");
    expect(missing.outcome).toEqual({ kind: "missing", reason: "client b: no other language has a conformance program" });
    const alone = await runCase(ctx, { ...c, clients: [{ name: "a", language: "same" }] }, "ts");
    expect(alone.outcome.kind === "fail" && alone.outcome.reason).toMatch(/\$\.peers: expected 5, got 0/);
  });
});
