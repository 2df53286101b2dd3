// SPDX-License-Identifier: Apache-2.0
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { BackendNetwork, LeaseInfo } from "./backend.js";
import { type LeaseChange, LeaseTracker } from "./lease-tracker.js";

function fakeNetwork(initial: LeaseInfo[]) {
  let table = initial;
  let onChange: (() => void) | undefined;
  const network = {
    leases: async () => table,
    watchLeases: (listener: () => void) => {
      onChange = listener;
      return () => {
        onChange = undefined;
      };
    },
  } as unknown as BackendNetwork;
  return { network, write: (next: LeaseInfo[]) => ((table = next), onChange?.()) };
}

const flush = () => vi.advanceTimersByTimeAsync(0);

describe("LeaseTracker", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date(1_000_000_000_000));
  });
  afterEach(() => vi.useRealTimers());

  it("reads the leases there are silently, then reports added, renewed and released ones", async () => {
    const now = 1_000_000_000;
    const a = { mac: "52:54:00:00:00:0a", ip: "10.0.0.10", hostname: "", expiresUnix: now + 3600 };
    const b = { mac: "52:54:00:00:00:0b", ip: "10.0.0.11", hostname: "", expiresUnix: now + 3600 };
    const { network, write } = fakeNetwork([a]);
    const changes: [LeaseChange, string][] = [];
    const tracker = new LeaseTracker(network, (change, lease) => changes.push([change, lease.mac]));
    await tracker.start();
    expect(tracker.lease(a.mac)).toEqual(a);
    write([a, b]);
    await flush();
    write([{ ...a, expiresUnix: now + 7200 }, b]);
    await flush();
    write([b]);
    await flush();
    expect(changes).toEqual([
      ["added", b.mac],
      ["renewed", a.mac],
      ["expired", a.mac],
    ]);
    tracker.stop();
  });

  it("expires a lease at its end with a timer, though the file still lists it", async () => {
    const now = 1_000_000_000;
    const a = { mac: "52:54:00:00:00:0a", ip: "10.0.0.10", hostname: "", expiresUnix: now + 60 };
    const { network, write } = fakeNetwork([]);
    const changes: LeaseChange[] = [];
    const tracker = new LeaseTracker(network, (change) => changes.push(change));
    await tracker.start();
    write([a]);
    await flush();
    await vi.advanceTimersByTimeAsync(59_000);
    expect(changes).toEqual(["added"]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(changes).toEqual(["added", "expired"]);
    expect(tracker.lease(a.mac)).toBeUndefined();
    // The server rewrites its file still listing it: an expired lease is not news.
    write([a]);
    await flush();
    expect(changes).toEqual(["added", "expired"]);
    tracker.stop();
  });
});
