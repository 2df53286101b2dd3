// SPDX-License-Identifier: Apache-2.0
// The core's small parts on their own: error classes (their names reach logs and
// the client's error mapping), guest MACs, the idle countdown.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AccessDenied, CreateFailure, InvalidArgument, Unsupported } from "./backend.js";
import { ConnectionLimits } from "./connection-limits.js";
import { RequestFailure } from "./failure.js";
import { pickGuestMac, randomLocalMac } from "./guest-mac.js";
import { IdleTimer } from "./idle-timer.js";

describe("error classes", () => {
  it.each([
    [CreateFailure, "CreateFailure"],
    [AccessDenied, "AccessDenied"],
    [Unsupported, "Unsupported"],
    [InvalidArgument, "InvalidArgument"],
  ] as const)("%o is an Error named %s that keeps its message", (Class, name) => {
    const error = new Class("why");
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.message).toBe("why");
    expect(String(error)).toBe(`${name}: why`);
  });

  it("RequestFailure carries its protocol code", () => {
    const failure = new RequestFailure(5, "no");
    expect([failure.name, failure.code, failure.message]).toEqual(["RequestFailure", 5, "no"]);
  });
});

describe("guest MACs", () => {
  it("are locally administered unicast addresses in lower-case colon form", () => {
    for (let i = 0; i < 200; i++) {
      const mac = randomLocalMac();
      expect(mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
      expect(Number.parseInt(mac.slice(0, 2), 16) & 0x03).toBe(0x02);
    }
  });

  it("vary in their first byte too (only its two low bits are fixed)", () => {
    expect(new Set(Array.from({ length: 64 }, () => randomLocalMac().slice(0, 2))).size).toBeGreaterThan(1);
  });

  it("differ from one call to the next", () => {
    expect(new Set(Array.from({ length: 20 }, randomLocalMac)).size).toBe(20);
  });

  it("skip the MACs already taken", () => {
    const offered = ["02:00:00:00:00:01", "02:00:00:00:00:02", "02:00:00:00:00:03"];
    const random = () => offered.shift() as string;
    expect(pickGuestMac(new Set(["02:00:00:00:00:01", "02:00:00:00:00:02"]), random)).toBe("02:00:00:00:00:03");
  });
});

describe("IdleTimer", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("counts down, restarts from the full delay, and reads 0 once expired or cancelled", () => {
    const expired = vi.fn();
    const timer = new IdleTimer(1000, expired);
    expect(timer.remainingMs).toBe(0);
    timer.start();
    vi.advanceTimersByTime(300);
    expect(timer.remainingMs).toBe(700);
    timer.start();
    expect(timer.remainingMs).toBe(1000);
    vi.advanceTimersByTime(999);
    expect(expired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(expired).toHaveBeenCalledTimes(1);
    expect(timer.remainingMs).toBe(0);
    timer.start();
    timer.cancel();
    vi.advanceTimersByTime(2000);
    expect(expired).toHaveBeenCalledTimes(1);
    expect(timer.remainingMs).toBe(0);
  });
});

describe("ConnectionLimits messages", () => {
  it("names the total limit for users and root's used-up reserve for root", () => {
    const limits = new ConnectionLimits({ maxConnections: 1, maxConnectionsPerUser: 5 });
    limits.admit(1000);
    expect(() => limits.admit(1001)).toThrow("limit max-connections (1) reached for uid 1001");
    for (let i = 0; i < 32; i++) limits.admit(0);
    expect(() => limits.admit(0)).toThrow("limit max-connections (1) reached for uid 0; root's reserve of 32 is used up too");
  });

  it("frees one slot per release, ignores releases of uids it never admitted", () => {
    const limits = new ConnectionLimits({ maxConnections: 2, maxConnectionsPerUser: 2 });
    limits.admit(1000);
    limits.admit(1000);
    limits.release(4242);
    expect(() => limits.admit(1001)).toThrow("limit max-connections (2) reached for uid 1001");
    limits.release(1000);
    limits.admit(1001);
    limits.release(1000);
    limits.admit(1000);
    expect(() => limits.admit(1000)).toThrow("limit max-connections (2) reached for uid 1000");
  });
});
