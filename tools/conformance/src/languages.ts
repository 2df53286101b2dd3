// SPDX-License-Identifier: Apache-2.0
/** Where each language's conformance program lives, and who pairs with whom. */
import { accessSync, constants, statSync } from "node:fs";
import { join } from "node:path";
import { LANGUAGES, type Language, type LanguageChoice } from "./case-format.js";

/** Programs given on the command line (--program ts=/path) replace the default path. */
const overrides = new Map<Language, string>();

export function overrideProgram(language: Language, path: string): void {
  overrides.set(language, path);
}

export function programPath(root: string, language: Language): string {
  return overrides.get(language) ?? join(root, "packages", `client-${language}`, "conformance", "run");
}

export function programExists(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The partner of `row` for clients declared `language: other`: the next
 * language after it (ts -> c -> go -> swift -> ts) whose program exists.
 * Undefined when no other language has a program yet.
 */
export function partnerOf(row: Language, available: ReadonlySet<Language>): Language | undefined {
  const start = LANGUAGES.indexOf(row);
  for (let i = 1; i < LANGUAGES.length; i++) {
    const candidate = LANGUAGES[(start + i) % LANGUAGES.length];
    if (candidate !== undefined && available.has(candidate)) return candidate;
  }
  return undefined;
}

/** The language a declared client runs in a given row, or undefined if it has no program. */
export function resolveLanguage(choice: LanguageChoice, row: Language, available: ReadonlySet<Language>): Language | undefined {
  if (choice === "same") return row;
  if (choice === "other") return partnerOf(row, available);
  return available.has(choice) ? choice : undefined;
}
