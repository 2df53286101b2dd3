// SPDX-License-Identifier: Apache-2.0
// The network registry at its edges: acquires that meet a removal, peers that
// leave during creation, shutdown during creation, and backends without the
// optional calls.
import { Request } from "@vmnet-broker/client/protocol";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BUILTIN_NETWORKS } from "../config/builtin.js";
import { FakeBackend, type FakeNetwork, makeBroker } from "./fake-backend.test-util.js";
import { NetworkRegistry } from "./registry.js";

const alice = { uid: 1000, gid: 1000, pid: 1 };
const acquire = (name: string) => Request.create({ id: 1, command: { $case: "acquire", value: { networkName: name } } });

describe("NetworkRegistry edges", () => {
  let backend: FakeBackend;
  beforeEach(() => {
    vi.useFakeTimers();
    backend = new FakeBackend();
  });
  afterEach(() => vi.useRealTimers());

  it("makes an acquire that arrives during a removal wait for it, then creates the network anew", async () => {
    const broker = makeBroker(backend, { idleDelayMs: 100 });
    const first = broker.connect(alice, "unix");
    await first.handle(acquire("shared"), []);
    const old = backend.created[0] as FakeNetwork;
    let finish!: () => void;
    old.destroy = () => new Promise<void>((resolve) => (finish = resolve)).then(() => void (old.destroyed = true));
    first.close();
    await vi.advanceTimersByTimeAsync(100);
    const second = broker.connect(alice, "unix");
    const pending = second.handle(acquire("shared"), []);
    await vi.advanceTimersByTimeAsync(0);
    expect(backend.created).toHaveLength(1);
    finish();
    expect((await pending).reply.result?.$case).toBe("network");
    expect(backend.created).toHaveLength(2);
    expect(old.destroyed).toBe(true);
  });

  it("starts the idle countdown of a network its requester left during creation only once it is live", async () => {
    let open!: () => void;
    backend.gate = new Promise((resolve) => (open = resolve));
    const broker = makeBroker(backend, { idleDelayMs: 100 });
    const peer = broker.connect(alice, "unix");
    const pending = peer.handle(acquire("shared"), []);
    peer.close();
    await vi.advanceTimersByTimeAsync(500);
    open();
    await pending;
    await vi.advanceTimersByTimeAsync(0);
    expect(backend.created[0]?.destroyed).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    expect(backend.created[0]?.destroyed).toBe(true);
  });

  it("shuts down cleanly while a creation is under way, kept or not, even when it fails", async () => {
    for (const keep of [false, true]) {
      const b = new FakeBackend();
      let open!: () => void;
      b.gate = new Promise((resolve) => (open = resolve));
      b.failNext = "vmnet said no";
      const broker = makeBroker(b);
      const pending = broker.connect(alice, "unix").handle(acquire("shared"), []);
      await vi.advanceTimersByTimeAsync(0);
      broker.beginShutdown(keep);
      const shutdown = broker.shutdown();
      open();
      await expect(shutdown).resolves.toBeUndefined();
      await pending;
      expect(broker.networkCount).toBe(0);
    }
  });

  it("works with a backend network that cannot be left in place and events without 'left'", async () => {
    const registry = new NetworkRegistry(backend, 1000, { created: () => {}, removed: () => {} });
    const network = await registry.acquire(BUILTIN_NETWORKS[0]!, 1n);
    const live = network.live as FakeNetwork;
    Object.defineProperty(live, "leave", { value: undefined });
    await registry.removeAll(() => true);
    expect(registry.all()).toEqual([]);
    expect(live.destroyed).toBe(false);
  });

  it("ignores the release of a network it does not hold", () => {
    const registry = new NetworkRegistry(backend, 1000, { created: () => {}, removed: () => {} });
    expect(() => registry.release("nope", 1n)).not.toThrow();
  });
});
