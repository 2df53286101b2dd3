// SPDX-License-Identifier: Apache-2.0
/**
 * protocol/conformance/known-failing/<language>.txt: one case name or
 * pattern per line (`*` matches within a name, so `tap/*` or a bare `*`),
 * `#` starts a comment.
 */
import { existsSync, readFileSync } from "node:fs";

export type KnownFailing = (caseName: string) => boolean;

export function parseKnownFailing(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.replace(/#.*/, "").trim())
    .filter((line) => line !== "");
}

export function matcher(patterns: readonly string[]): KnownFailing {
  const regexes = patterns.map(
    (p) =>
      new RegExp(
        `^${p
          .split("*")
          .map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, "\\$&"))
          .join(".*")}$`,
      ),
  );
  return (name) => regexes.some((r) => r.test(name));
}

export function loadKnownFailing(path: string): { patterns: string[]; isKnown: KnownFailing } {
  const patterns = existsSync(path) ? parseKnownFailing(readFileSync(path, "utf8")) : [];
  return { patterns, isKnown: matcher(patterns) };
}
