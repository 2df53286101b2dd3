// SPDX-License-Identifier: Apache-2.0
/** The one table the runner prints: case by language. */
import type { Cell } from "./verdict.js";

export function formatTable(caseNames: readonly string[], languages: readonly string[], cell: (c: string, l: string) => Cell): string {
  const header = ["case", ...languages];
  const rows = caseNames.map((c) => [c, ...languages.map((l) => cell(c, l))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((s, i) => s.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return `${[line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n")}\n`;
}
