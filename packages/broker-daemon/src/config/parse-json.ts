// SPDX-License-Identifier: Apache-2.0
/** JSON.parse whose errors give a position and never quote the input. */
export type JsonResult = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * Parses text as JSON. V8's messages quote the input ("Unexpected token 'r',
 * "root:x:0:0..." is not valid JSON"), and config errors reach logs and admins, so
 * the message is rebuilt from the error's position alone.
 */
export function parseJson(text: string): JsonResult {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const offset = errorOffset(text, (error as Error).message);
    return { ok: false, error: offset === undefined ? "not valid JSON" : `not valid JSON at ${lineAndColumn(text, offset)}` };
  }
}

function errorOffset(text: string, message: string): number | undefined {
  if (message.startsWith("Unexpected end")) return text.length;
  const at = /at position (\d+)/.exec(message);
  if (at) return Number(at[1]);
  // "Unexpected token" carries no position: find the shortest prefix that fails the
  // same way. A prefix that ends before the bad character parses, or fails only
  // because it ends early, so the search is monotonic.
  if (!message.startsWith("Unexpected token")) return undefined;
  let low = 0;
  let high = text.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (failsWithToken(text.slice(0, middle + 1))) high = middle;
    else low = middle + 1;
  }
  return low;
}

function failsWithToken(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return false;
  } catch (error) {
    return (error as Error).message.startsWith("Unexpected token");
  }
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - before.lastIndexOf("\n");
  return `line ${line}, column ${column}`;
}
