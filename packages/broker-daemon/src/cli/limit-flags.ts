// SPDX-License-Identifier: Apache-2.0
import { DEFAULT_LIMITS, LIMIT_NAMES, type Limits } from "../core/limits.js";
import { DEFAULT_TRANSPORT_LIMITS, TRANSPORT_LIMIT_NAMES, type TransportLimits } from "../transport/unix/transport-limits.js";
import { integer } from "./parse.js";

/** `serve` takes every limit as a flag named like the limit (--max-connections N). */
export const LIMIT_FLAGS = Object.fromEntries(
  [...Object.values(LIMIT_NAMES), ...Object.values(TRANSPORT_LIMIT_NAMES)].map((flag) => [flag, { type: "string" as const }]),
);

/** Reads the limit flags; each must be an integer >= 1. */
export function parseLimitFlags(values: Readonly<Record<string, unknown>>): { core: Limits; transport: TransportLimits } {
  const read = <T extends object>(names: { readonly [K in keyof T]: string }, defaults: T): T => {
    const out: Record<string, number> = {};
    for (const [key, flag] of Object.entries(names) as [string, string][]) {
      const text = values[flag];
      out[key] = integer("serve", flag, typeof text === "string" ? text : undefined, (defaults as Record<string, number>)[key] ?? 0, 1);
    }
    return out as T;
  };
  return { core: read(LIMIT_NAMES, DEFAULT_LIMITS), transport: read(TRANSPORT_LIMIT_NAMES, DEFAULT_TRANSPORT_LIMITS) };
}
