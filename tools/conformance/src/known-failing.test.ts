// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from "vitest";
import { matcher, parseKnownFailing } from "./known-failing.js";
import { partnerOf, resolveLanguage } from "./languages.js";
import { formatTable } from "./table.js";
import { isUnexpected, verdict } from "./verdict.js";

describe("known-failing lists", () => {
  it("ignore comments and blank lines; * matches within names", () => {
    const patterns = parseKnownFailing("# header\n\ntap/*   # no TAP yet\nacquire/host\n");
    expect(patterns).toEqual(["tap/*", "acquire/host"]);
    const known = matcher(patterns);
    expect(known("tap/multi-queue")).toBe(true);
    expect(known("acquire/host")).toBe(true);
    expect(known("acquire/hostile")).toBe(false);
    expect(known("lifecycle/tap")).toBe(false);
    expect(matcher(["*"])("anything/at-all")).toBe(true);
  });
});

describe("verdicts", () => {
  it("fail the run on FAIL, XPASS and unlisted MISSING only", () => {
    const pass = { kind: "pass" } as const;
    const fail = { kind: "fail", reason: "x" } as const;
    const missing = { kind: "missing", reason: "x" } as const;
    expect([verdict(pass, false), verdict(pass, true), verdict(fail, false), verdict(fail, true)]).toEqual([
      "pass",
      "XPASS",
      "FAIL",
      "xfail",
    ]);
    expect([verdict(missing, false), verdict(missing, true)]).toEqual(["MISSING", "missing"]);
    expect(["pass", "xfail", "missing"].map((c) => isUnexpected(c as never))).toEqual([false, false, false]);
    expect(["FAIL", "XPASS", "MISSING"].map((c) => isUnexpected(c as never))).toEqual([true, true, true]);
  });

  it("print one aligned table", () => {
    const table = formatTable(["acquire/shared", "tap/x"], ["ts", "go"], (c, l) => (c === "tap/x" && l === "go" ? "FAIL" : "pass"));
    expect(table).toBe("case            ts    go\n--------------  ----  ----\nacquire/shared  pass  pass\ntap/x           pass  FAIL\n");
  });
});

describe("language pairing", () => {
  it("pairs with the next language that has a program", () => {
    expect(partnerOf("ts", new Set(["ts", "c", "go", "swift"]))).toBe("c");
    expect(partnerOf("swift", new Set(["ts", "c", "go", "swift"]))).toBe("ts");
    expect(partnerOf("ts", new Set(["ts", "go"]))).toBe("go");
    expect(partnerOf("ts", new Set(["ts"]))).toBeUndefined();
    expect(resolveLanguage("same", "go", new Set())).toBe("go");
    expect(resolveLanguage("c", "go", new Set(["go"]))).toBeUndefined();
  });
});
