// SPDX-License-Identifier: Apache-2.0
/**
 * Log keys are snake_case everywhere (`peer_id=3`, never `peerId=3`), so one
 * query matches every line. A lint over the source: every object literal
 * passed to a `.log(level, event, fields)` or `#log(...)` call.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const SRC = import.meta.dirname;
const SNAKE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

/** Keys of the fields argument of each log call in a file, with their line. */
export function logKeys(file: string, text: string): { key: string; where: string }[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: { key: string; where: string }[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node) && isLogCall(node)) {
      const fields = node.arguments[2];
      if (fields !== undefined && ts.isObjectLiteralExpression(fields)) {
        for (const property of fields.properties) {
          const name = property.name;
          if (name === undefined || !(ts.isIdentifier(name) || ts.isStringLiteral(name))) continue;
          const line = source.getLineAndCharacterOfPosition(property.getStart()).line + 1;
          found.push({ key: name.text, where: `${file}:${line}` });
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Fields arguments that are not plain literals, and spreads inside literals, as source text. */
function builtFields(text: string): string[] {
  const source = ts.createSourceFile("x.ts", text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node) && isLogCall(node)) {
      const fields = node.arguments[2] as ts.Expression;
      if (!ts.isObjectLiteralExpression(fields)) found.push(fields.getText());
      else for (const p of fields.properties) if (ts.isSpreadAssignment(p)) found.push(p.getText());
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function isLogCall(call: ts.CallExpression): boolean {
  const callee = call.expression;
  if (!ts.isPropertyAccessExpression(callee)) return false;
  const name = callee.name.text;
  return (name === "log" || name === "#log") && call.arguments.length >= 3;
}

describe("log keys", () => {
  it("finds the keys of a log call, shorthand ones included", () => {
    const keys = logKeys("x.ts", 'logger.log("info", "e", { peer_id: 1, peerName, "camelCase": 2 });').map((k) => k.key);
    expect(keys).toEqual(["peer_id", "peerName", "camelCase"]);
  });

  it("are built by reviewed code where a call passes no literal", () => {
    // Each of these keeps to snake_case on its own (reportFields converts;
    // log.test.ts tests it). A new one needs the same care, then a line here.
    const reviewed = ["fields", "limitFields(options.limits)", "reportFields(report)", "...options.describe"];
    const built = sources(SRC).flatMap((file) => builtFields(readFileSync(file, "utf8")));
    expect(built.filter((text) => !reviewed.includes(text))).toEqual([]);
  });

  it("are snake_case at every call site in src", () => {
    const all = sources(SRC).flatMap((file) => logKeys(file.slice(SRC.length + 1), readFileSync(file, "utf8")));
    expect(all.length).toBeGreaterThan(40);
    expect(all.filter(({ key }) => !SNAKE.test(key)).map(({ key, where }) => `${where} ${key}`)).toEqual([]);
  });
});
