// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from "vitest";
import { LogThrottle } from "./log-throttle.js";

describe("LogThrottle", () => {
  it("lets one line per key through per interval and counts the rest", () => {
    let now = 0;
    const throttle = new LogThrottle(1000, () => now);
    expect(throttle.admit("uid:4242")).toEqual({ suppressed: 0 });
    for (let i = 0; i < 500; i++) expect(throttle.admit("uid:4242")).toBeUndefined();
    expect(throttle.admit("uid:1000")).toEqual({ suppressed: 0 });
    now = 1000;
    expect(throttle.admit("uid:4242")).toEqual({ suppressed: 500 });
  });

  it("remembers a bounded number of keys", () => {
    let now = 0;
    const throttle = new LogThrottle(1000, () => now, 4);
    for (let uid = 0; uid < 100; uid++) throttle.admit(`uid:${uid}`);
    now = 10;
    // Recent keys past the bound were forgotten rather than kept without end.
    expect(throttle.admit("uid:0")).toEqual({ suppressed: 0 });
  });
});
