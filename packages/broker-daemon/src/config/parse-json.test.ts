// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from "vitest";
import { parseJson } from "./parse-json.js";

describe("parseJson", () => {
  it("parses JSON", () => {
    expect(parseJson('{"a": [1]}')).toEqual({ ok: true, value: { a: [1] } });
  });

  it.each([
    ["root:x:0:0:secret-hash", "line 1, column 1"],
    ['{\n  "a": 1,\n  "b": secret\n}', "line 3, column 8"],
    ['{\n  "a": 1\n  "b": 2\n}', "line 3, column 3"],
    ['{"secret": tru}', "line 1, column 15"],
    ['{"secret": 1', "line 1, column 13"],
    // Input that ends too early: the position is its end.
    ["", "line 1, column 1"],
    ["[1,", "line 1, column 4"],
    ['{\n  "a": tru', "line 2, column 11"],
  ])("reports %j by position only", (text, where) => {
    const result = parseJson(text);
    expect(result).toEqual({ ok: false, error: `not valid JSON at ${where}` });
  });

  it("never quotes the input, whatever V8 says", () => {
    for (const text of ["secret", "{secret}", '{"a":"secret"x', "[secret", "\u0000secret"]) {
      const result = parseJson(text);
      expect(result.ok).toBe(false);
      expect(JSON.stringify(result)).not.toContain("secret");
    }
  });
});
