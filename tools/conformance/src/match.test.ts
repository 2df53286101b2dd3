// SPDX-License-Identifier: Apache-2.0
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${name}" is the case format's capture syntax, not a template
import { describe, expect, it } from "vitest";
import { mismatches, substitute, valueAt } from "./match.js";

describe("mismatches", () => {
  it("accepts a subset and reports each differing path", () => {
    const actual = { ok: true, network: { name: "shared", mode: "shared", mtu: 1500 } };
    expect(mismatches({ ok: true, network: { name: "shared" } }, actual)).toEqual([]);
    expect(mismatches({ network: { name: "host", mtu: 1500 } }, actual)).toEqual(['$.network.name: expected "host", got "shared"']);
  });

  it("reports missing keys, wrong types and list lengths", () => {
    expect(mismatches({ code: 5 }, { ok: true })).toEqual(["$.code: missing (expected 5)"]);
    expect(mismatches({ network: { name: "x" } }, { network: "x" })[0]).toMatch(/expected an object/);
    expect(mismatches([{ name: "a" }], [{ name: "a" }, { name: "b" }])[0]).toMatch(/expected 1 items, got 2/);
    expect(mismatches([{ name: "a" }], [{ name: "a", references: 1 }])).toEqual([]);
  });

  it("treats null as absent", () => {
    expect(mismatches({ networks: { gone: null } }, { networks: {} })).toEqual([]);
    expect(mismatches({ networks: { gone: null } }, { networks: { gone: { references: 0 } } })[0]).toMatch(/expected absent/);
  });

  it("compares numbers exactly (1 is not true, 0 is not false)", () => {
    expect(mismatches({ ok: true }, { ok: 1 })).not.toEqual([]);
    expect(mismatches({ references: 0 }, { references: false })).not.toEqual([]);
  });
});

describe("substitute and valueAt", () => {
  it("replaces whole-string ${name} references with captured values", () => {
    const vars = new Map<string, unknown>([["gw", "10.0.0.1"]]);
    expect(substitute({ reply_from: "${gw}", other: "x${gw}" }, vars)).toEqual({ reply_from: "10.0.0.1", other: "x${gw}" });
    expect(() => substitute({ a: "${nope}" }, vars)).toThrow(/no earlier step captured/);
  });

  it("reads dotted paths into objects and lists", () => {
    const v = { network: { gateway: "10.0.0.1" }, networks: [{ name: "shared" }] };
    expect(valueAt(v, "network.gateway")).toBe("10.0.0.1");
    expect(valueAt(v, "networks.0.name")).toBe("shared");
    expect(valueAt(v, "network.nope.deeper")).toBeUndefined();
  });
});
