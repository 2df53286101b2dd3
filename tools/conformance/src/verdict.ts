// SPDX-License-Identifier: Apache-2.0
/**
 * Turns what happened into a table cell. Lower case is expected (pass, xfail,
 * missing listed as known); upper case fails the run: FAIL (not listed),
 * XPASS (listed but passed: update the list), MISSING (no program, not listed).
 */
export type Outcome = { kind: "pass" } | { kind: "fail"; reason: string } | { kind: "missing"; reason: string };

export type Cell = "pass" | "FAIL" | "xfail" | "XPASS" | "missing" | "MISSING";

export function verdict(outcome: Outcome, listedAsFailing: boolean): Cell {
  switch (outcome.kind) {
    case "pass":
      return listedAsFailing ? "XPASS" : "pass";
    case "fail":
      return listedAsFailing ? "xfail" : "FAIL";
    case "missing":
      return listedAsFailing ? "missing" : "MISSING";
  }
}

export const isUnexpected = (cell: Cell): boolean => cell === "FAIL" || cell === "XPASS" || cell === "MISSING";
