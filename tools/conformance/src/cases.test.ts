// SPDX-License-Identifier: Apache-2.0
/** The committed cases: they parse, and what they reference exists. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCases } from "./load-cases.js";
import { repoRoot } from "./repo-root.js";

const root = repoRoot();
const cases = loadCases(join(root, "protocol/conformance/cases"), root);

describe("protocol/conformance/cases", () => {
  it("parse, with unique names", () => {
    expect(cases.length).toBeGreaterThan(20);
  });

  it("cover the scenarios the brief and upstream require", () => {
    const names = new Set(cases.map((c) => c.name));
    for (const required of [
      "acquire/shared",
      "acquire/host",
      "acquire/unknown-network",
      "acquire/shared-and-host",
      "acquire/same-three-times",
      "acquire/same-nine-times",
      "lifecycle/serial-peers-reuse",
      "lifecycle/concurrent-different-networks",
      "lifecycle/concurrent-three-sharing",
      "lifecycle/release-on-exit",
      "lifecycle/release-on-kill",
      "lifecycle/idle-removal",
      "lifecycle/idle-cancel",
      "limits/per-peer-default",
      "access/not-allowed",
      "protocol/undecodable-frame",
      "protocol/pipeline",
      "tap/open-and-probe",
      "cross/shared-network",
      "broker/restart-mid-session",
      "config/bad-file-isolated",
    ]) {
      expect(names, required).toContain(required);
    }
  });

  it("reference golden vectors that exist and use every declared client", () => {
    for (const c of cases) {
      for (const s of c.steps) {
        if (s.kind === "raw" && "vector" in s.frame) {
          expect(existsSync(join(root, "protocol/vectors", `${s.frame.vector}.bin`)), `${c.name}: ${s.frame.vector}`).toBe(true);
        }
      }
      const used = new Set(c.steps.flatMap((s) => (s.kind === "client" || s.kind === "kill" ? [s.client] : [])));
      expect([...used].sort(), c.name).toEqual(c.clients.map((d) => d.name).sort());
    }
  });
});
