// SPDX-License-Identifier: Apache-2.0
/** Reads every case under protocol/conformance/cases/ (one or more YAML documents per file). */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseAllDocuments } from "yaml";
import { type Case, CaseError, parseCase } from "./case-format.js";

export function parseCaseFile(file: string, text: string): Case[] {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) throw new CaseError(`${file}: not YAML documents`);
  return docs.map((doc) => {
    if (doc.errors.length > 0) throw new CaseError(`${file}: YAML error: ${doc.errors[0]?.message ?? "unknown"}`);
    return parseCase(file, doc.toJS());
  });
}

export function loadCases(dir: string, root: string): Case[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"))
    .sort();
  const cases = files.flatMap((f) => parseCaseFile(relative(root, join(dir, f)), readFileSync(join(dir, f), "utf8")));
  const seen = new Map<string, string>();
  for (const c of cases) {
    const other = seen.get(c.name);
    if (other !== undefined) throw new CaseError(`case name "${c.name}" is used in ${other} and ${c.file}`);
    seen.set(c.name, c.file);
  }
  return cases;
}
