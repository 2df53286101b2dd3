// SPDX-License-Identifier: Apache-2.0
/**
 * Subset matching of results against expectations: every key the
 * expectation gives must be present and equal; objects recurse; arrays must
 * have the same length and match element by element. In a status check,
 * `null` means "must be absent".
 */
export type Vars = ReadonlyMap<string, unknown>;

/** Replaces strings of the form "${name}" with captured values. */
export function substitute(expect: unknown, vars: Vars): unknown {
  if (typeof expect === "string") {
    const m = /^\$\{([A-Za-z0-9_]+)\}$/.exec(expect);
    if (m?.[1] !== undefined) {
      if (!vars.has(m[1])) throw new Error(`expectation uses \${${m[1]}}, which no earlier step captured`);
      return vars.get(m[1]);
    }
    return expect;
  }
  if (Array.isArray(expect)) return expect.map((e) => substitute(e, vars));
  if (typeof expect === "object" && expect !== null) {
    return Object.fromEntries(Object.entries(expect).map(([k, v]) => [k, substitute(v, vars)]));
  }
  return expect;
}

/** Every mismatch, as "path: expected X, got Y"; empty when the actual value matches. */
export function mismatches(expected: unknown, actual: unknown, path = "$"): string[] {
  const show = (v: unknown): string => (v === undefined ? "nothing" : JSON.stringify(v));
  if (expected === null) return actual === undefined || actual === null ? [] : [`${path}: expected absent, got ${show(actual)}`];
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${path}: expected a list, got ${show(actual)}`];
    if (actual.length !== expected.length) return [`${path}: expected ${expected.length} items, got ${actual.length}: ${show(actual)}`];
    return expected.flatMap((e, i) => mismatches(e, actual[i], `${path}[${i}]`));
  }
  if (typeof expected === "object") {
    if (typeof actual !== "object" || actual === null || Array.isArray(actual)) {
      return [`${path}: expected an object, got ${show(actual)}`];
    }
    const a = actual as Record<string, unknown>;
    return Object.entries(expected).flatMap(([k, e]) => {
      if (e !== null && !(k in a)) return [`${path}.${k}: missing (expected ${show(e)})`];
      return mismatches(e, a[k], `${path}.${k}`);
    });
  }
  return Object.is(expected, actual) ? [] : [`${path}: expected ${show(expected)}, got ${show(actual)}`];
}

/** The value at a dotted path ("network.gateway", "networks.0.name"). */
export function valueAt(value: unknown, path: string): unknown {
  let v = value;
  for (const part of path.split(".")) {
    if (typeof v !== "object" || v === null) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}
