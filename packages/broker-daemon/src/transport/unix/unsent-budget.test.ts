// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from "vitest";
import { UnsentBudget } from "./unsent-budget.js";

class Holder {
  constructor(
    readonly name: string,
    public queuedBytes = 0,
  ) {}
}

describe("UnsentBudget", () => {
  it("gives up nobody while the total fits", () => {
    const budget = new UnsentBudget<Holder>(100);
    const a = new Holder("a", 60);
    const b = new Holder("b", 40);
    expect(budget.update(a, 60)).toEqual([]);
    expect(budget.update(b, 40)).toEqual([]);
    expect(budget.total).toBe(100);
  });

  it("gives up the holders with the most unsent bytes until the total fits", () => {
    const budget = new UnsentBudget<Holder>(100);
    const [big, middle, small] = [new Holder("big", 70), new Holder("middle", 50), new Holder("small", 10)];
    budget.update(small, 10);
    budget.update(middle, 50);
    expect(budget.update(big, 70).map((h) => h.name)).toEqual(["big"]);
    expect(budget.total).toBe(60);
    middle.queuedBytes = 95;
    expect(budget.update(middle, 95).map((h) => h.name)).toEqual(["middle"]);
    expect(budget.total).toBe(10);
  });

  it("recounts what peers read since before giving anyone up", () => {
    const budget = new UnsentBudget<Holder>(100);
    const reader = new Holder("reader", 80);
    budget.update(reader, 80);
    reader.queuedBytes = 0; // it read everything; no drain was reported yet
    const other = new Holder("other", 50);
    expect(budget.update(other, 50)).toEqual([]);
    expect(budget.total).toBe(50);
  });

  it("forgets a holder that is removed or has nothing unsent", () => {
    const budget = new UnsentBudget<Holder>(100);
    const a = new Holder("a", 30);
    budget.update(a, 30);
    budget.update(a, 0);
    expect(budget.total).toBe(0);
    budget.update(a, 30);
    budget.remove(a);
    expect(budget.total).toBe(0);
  });
});
