// SPDX-License-Identifier: Apache-2.0
// The supervisor with stand-ins for dnsmasq (the live restart is in
// test/lease-removal.e2e.test.ts): when it restarts, how often, and never after stop().
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { RunningDnsmasq } from "./dnsmasq.js";
import { type DnsmasqExit, DnsmasqSupervisor, RESTART_INTERVAL_MS } from "./dnsmasq-supervisor.js";

/** A dnsmasq stand-in that dies when told to. */
function fakeDnsmasq(pid: number) {
  let die!: (how: string) => void;
  const exited = new Promise<string>((resolve) => {
    die = resolve;
  });
  const running: RunningDnsmasq = { pid, conf: "/x/dnsmasq.conf", stop: vi.fn(async () => {}), untilServing: async () => {}, exited };
  return { running, die };
}

describe("DnsmasqSupervisor", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("starts a new dnsmasq when one dies, at most once per interval", async () => {
    const first = fakeDnsmasq(10);
    const second = fakeDnsmasq(11);
    const third = fakeDnsmasq(12);
    const starts = [second, third];
    const exits: DnsmasqExit[] = [];
    const replaced: number[] = [];
    const supervisor = new DnsmasqSupervisor(first.running, {
      start: async () => starts.shift()?.running,
      onReplaced: (r) => replaced.push(r.pid),
      onExit: (e) => exits.push(e),
    });
    // Dies right after its start: waits for the rest of the interval.
    first.die("exit 137");
    await vi.advanceTimersByTimeAsync(RESTART_INTERVAL_MS - 1);
    expect(replaced).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(replaced).toEqual([11]);
    expect(supervisor.current?.pid).toBe(11);
    expect(exits).toEqual([{ how: "exit 137", restartedPid: 11 }]);
    // Long after its start: at once.
    await vi.advanceTimersByTimeAsync(60_000);
    second.die("SIGKILL");
    await vi.advanceTimersByTimeAsync(0);
    expect(replaced).toEqual([11, 12]);
    await supervisor.stop();
    expect(third.running.stop).toHaveBeenCalled();
  });

  it("says why a new one could not start, and tries again after the interval", async () => {
    const first = fakeDnsmasq(10);
    const later = fakeDnsmasq(20);
    let attempts = 0;
    const exits: DnsmasqExit[] = [];
    new DnsmasqSupervisor(first.running, {
      start: async () => {
        attempts++;
        if (attempts === 1) throw new Error("dnsmasq: failed to bind DHCP server socket");
        return later.running;
      },
      onReplaced: () => {},
      onExit: (e) => exits.push(e),
    });
    await vi.advanceTimersByTimeAsync(RESTART_INTERVAL_MS);
    first.die("exit 2");
    await vi.advanceTimersByTimeAsync(0);
    expect(exits).toEqual([{ how: "exit 2", error: "dnsmasq: failed to bind DHCP server socket", retryInMs: RESTART_INTERVAL_MS }]);
    await vi.advanceTimersByTimeAsync(RESTART_INTERVAL_MS);
    expect(exits[1]).toEqual({ how: "exit 2", restartedPid: 20 });
  });

  it("starts nothing once stopped, even for a death already pending", async () => {
    const first = fakeDnsmasq(10);
    const start = vi.fn(async () => fakeDnsmasq(11).running);
    const supervisor = new DnsmasqSupervisor(first.running, { start, onReplaced: () => {} });
    first.die("exit 1");
    await supervisor.stop();
    await vi.advanceTimersByTimeAsync(RESTART_INTERVAL_MS * 2);
    expect(start).not.toHaveBeenCalled();
    expect(first.running.stop).toHaveBeenCalled();
  });
});
