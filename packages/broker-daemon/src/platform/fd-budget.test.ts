// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from "vitest";
import { ROOT_CONNECTION_RESERVE } from "../core/limits.js";
import { MAX_FDS_PER_CONNECTION } from "../transport/unix/transport-limits.js";
import { connectionsThatFit, FD_HEADROOM, openFileLimit } from "./fd-budget.js";

const limits = (soft: string, hard: string) =>
  `Limit                     Soft Limit           Hard Limit           Units     \nMax processes             63498                63498                processes \nMax open files            ${soft.padEnd(21)}${hard.padEnd(21)}files     \n`;

describe("fd budget", () => {
  it("reads the soft open-files limit", () => {
    expect(openFileLimit(limits("20000", "524288"))).toBe(20000);
    expect(openFileLimit(limits("unlimited", "unlimited"))).toBe(Number.POSITIVE_INFINITY);
    expect(openFileLimit("")).toBeUndefined();
  });

  it("fits the worst case of every connection, root's reserve and the headroom in the limit", () => {
    const fit = connectionsThatFit(20_000);
    expect((fit + ROOT_CONNECTION_RESERVE) * MAX_FDS_PER_CONNECTION + FD_HEADROOM).toBeLessThanOrEqual(20_000);
    expect((fit + 1 + ROOT_CONNECTION_RESERVE) * MAX_FDS_PER_CONNECTION + FD_HEADROOM).toBeGreaterThan(20_000);
    expect(connectionsThatFit(100)).toBe(1);
  });
});
