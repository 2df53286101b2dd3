// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from "vitest";
import { coalesced } from "./coalesced.js";

describe("coalesced", () => {
  it("never overlaps runs, and folds calls during a run into one more run", async () => {
    let running = 0;
    let most = 0;
    let runs = 0;
    const release: Array<() => void> = [];
    const task = coalesced(async () => {
      running++;
      most = Math.max(most, running);
      runs++;
      await new Promise<void>((resolve) => release.push(resolve));
      running--;
    });
    const first = task();
    const during = [task(), task(), task()];
    release.shift()?.();
    await new Promise((r) => setTimeout(r, 0));
    release.shift()?.();
    await Promise.all([first, ...during]);
    expect(runs).toBe(2);
    expect(most).toBe(1);
  });
});
