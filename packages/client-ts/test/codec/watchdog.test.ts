// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from "vitest";
import { Hang, withWatchdog } from "./watchdog.js";

describe("withWatchdog", () => {
  it("returns the job's value", () => {
    expect(withWatchdog(1000, () => 42)).toBe(42);
  });

  it("stops an endless loop and reports a Hang", () => {
    expect(() =>
      withWatchdog(100, () => {
        for (;;) {}
      }),
    ).toThrow(Hang);
  });

  it("passes the job's own errors through", () => {
    expect(() =>
      withWatchdog(1000, () => {
        throw new RangeError("premature EOF");
      }),
    ).toThrow(RangeError);
  });
});

describe("guarded", () => {
  it("names the input that hung", async () => {
    const { guarded, decodeOutcome } = await import("./decode-outcome.js");
    const endless = {
      encode: () => {
        throw new Error("unused");
      },
      decode: () => {
        for (;;) {}
      },
    };
    expect(() => guarded(100, () => decodeOutcome(endless as never, Uint8Array.of(0xca, 0xfe)))).toThrow(/decode hung .* on input cafe/);
  });
});
