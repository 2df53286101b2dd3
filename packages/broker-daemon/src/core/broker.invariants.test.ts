// SPDX-License-Identifier: Apache-2.0
// Random sequences of valid and invalid requests from several peers with different
// uids, driven through the core with the fake backend. After every step the
// broker's status must be self-consistent, and every reply must be the one a
// small model of the rules predicts.
import { ErrorCode, type Reply, Request, type Status } from "@vmnet-broker/client/protocol";
import { closeAll } from "@vmnet-broker/client/socket";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BUILTIN_NETWORKS } from "../config/builtin.js";
import type { NetworkConfig } from "../config/network-config.js";
import { MAX_TAP_QUEUES } from "./broker.js";
import { FakeBackend, makeBroker } from "./fake-backend.test-util.js";
import type { PeerConnection } from "./peer.js";

const IDLE_DELAY_MS = 1000;
const MAX_NETWORKS = 2;
/** uid 1000 is allowed on "lab" by uid, 1001 through group 500 (testAccounts). */
const UIDS = [0, 1000, 1001, 1002];
/** Three networks anyone may use, so that the per-peer limit of two is reached. */
const NAMES = ["shared", "host", "wide", "lab", "nope", ""];
const EXTRA: readonly NetworkConfig[] = [
  { ...BUILTIN_NETWORKS[0]!, name: "wide" },
  { ...BUILTIN_NETWORKS[0]!, name: "lab", allowedUids: new Set([1000]), allowedGids: new Set([500]) },
];

type Action =
  | { readonly kind: "connect"; readonly uid: number }
  | { readonly kind: "acquire"; readonly peer: number; readonly network: string }
  | { readonly kind: "openTap"; readonly peer: number; readonly network: string; readonly queues: number }
  | { readonly kind: "status"; readonly peer: number }
  | { readonly kind: "disconnect"; readonly peer: number }
  | { readonly kind: "wait"; readonly ms: number };

const peerIndex = fc.nat(3);
const network = fc.constantFrom(...NAMES);
/** 0 means one queue; 17 is one too many. */
const queues = fc.constantFrom(0, 1, 2, MAX_TAP_QUEUES, MAX_TAP_QUEUES + 1);
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("connect" as const), uid: fc.constantFrom(...UIDS) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("acquire" as const), peer: peerIndex, network }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("openTap" as const), peer: peerIndex, network, queues: queues }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("status" as const), peer: peerIndex }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("disconnect" as const), peer: peerIndex }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("wait" as const), ms: fc.constantFrom(1, IDLE_DELAY_MS / 2, IDLE_DELAY_MS) }) },
);

/** A connection as the model sees it. */
interface ModelPeer {
  readonly connection: PeerConnection;
  readonly uid: number;
  readonly held: Set<string>;
  open: boolean;
}

/** The code the broker must answer an acquire with, by the configuration's rules. */
function expectedAcquire(peer: ModelPeer, name: string): ErrorCode {
  if (name === "") return ErrorCode.ERROR_CODE_INVALID_REQUEST;
  if (name === "nope") return ErrorCode.ERROR_CODE_NOT_FOUND;
  if (name === "lab" && peer.uid !== 1000 && peer.uid !== 1001) return ErrorCode.ERROR_CODE_NOT_ALLOWED;
  if (!peer.held.has(name) && peer.held.size >= MAX_NETWORKS) return ErrorCode.ERROR_CODE_LIMIT_EXCEEDED;
  return ErrorCode.ERROR_CODE_SUCCESS;
}

function expectedTap(peer: ModelPeer, name: string, queues: number): ErrorCode {
  if (!peer.held.has(name)) return ErrorCode.ERROR_CODE_NOT_ALLOWED;
  if (queues > MAX_TAP_QUEUES) return ErrorCode.ERROR_CODE_INVALID_REQUEST;
  return ErrorCode.ERROR_CODE_SUCCESS;
}

const ascending = (ids: Iterable<bigint>) => [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const codeOf = (reply: Reply) => (reply.result?.$case === "error" ? reply.result.value.code : ErrorCode.ERROR_CODE_SUCCESS);

/** The invariants of one status snapshot, given who the model says is connected. */
function checkInvariants(status: Status, backend: FakeBackend, peers: readonly ModelPeer[]): void {
  // Configured networks that are not live are listed too, with nothing attached.
  for (const idle of status.networks.filter((n) => !n.live)) {
    expect([idle.references, idle.peerIds.length, idle.interfaces.length]).toEqual([0, 0, 0]);
  }
  const live = status.networks.filter((n) => n.live);
  const byName = new Map(live.map((n) => [n.network?.name ?? "", n]));
  const connected = new Set(status.peers.map((p) => p.id));
  // The broker lists exactly the open connections, each holding what the model says.
  expect(ascending(connected)).toEqual(peers.filter((p) => p.open).map((p) => p.connection.id));
  for (const peer of status.peers) {
    const model = peers.find((p) => p.connection.id === peer.id);
    expect(new Set(peer.networks)).toEqual(model?.held);
    for (const name of peer.networks) expect(byName.has(name)).toBe(true);
  }
  for (const n of live) {
    const name = n.network?.name ?? "";
    const holders = status.peers.filter((p) => p.networks.includes(name)).map((p) => p.id);
    expect(n.references).toBe(holders.length);
    expect(ascending(n.peerIds)).toEqual(ascending(holders));
    for (const i of n.interfaces) expect(connected.has(i.peerId)).toBe(true);
    // A network counting down to its removal has no holder.
    if (n.removalInMs > 0n) expect(n.references).toBe(0);
    // The listed network is the backend's latest of that name, still alive.
    const latest = backend.created.filter((c) => c.config.name === name).at(-1);
    expect(latest?.destroyed).toBe(false);
  }
  // Interfaces of departed peers are gone from the backend too.
  for (const created of backend.created) {
    if (created.destroyed) continue;
    const listed = byName.get(created.config.name)?.interfaces.map((i) => i.name) ?? [];
    expect([...created.alive].sort()).toEqual(listed.sort());
  }
  const c = status.counters!;
  const holdings = status.peers.reduce((sum, p) => sum + p.networks.length, 0);
  expect(c.acquires).toBeGreaterThanOrEqual(BigInt(holdings));
  expect(c.peersConnected - c.peersDisconnected).toBe(BigInt(status.peers.length));
  expect(c.networksCreated - c.networksRemoved).toBe(BigInt(live.length));
  expect(c.networksRemoved).toBe(BigInt(backend.created.filter((n) => n.destroyed).length));
}

async function run(actions: readonly Action[]): Promise<void> {
  vi.clearAllTimers();
  const backend = new FakeBackend();
  const networks = new Map([...BUILTIN_NETWORKS, ...EXTRA].map((n) => [n.name, n]));
  const broker = makeBroker(backend, {
    config: { networks, errors: [], broken: new Set() },
    idleDelayMs: IDLE_DELAY_MS,
    limits: { maxNetworksPerPeer: MAX_NETWORKS },
  });
  const peers: ModelPeer[] = [];
  let nextId = 1;
  /** What the counters must say, counted from the replies. */
  const expected = { requests: 0n, errors: 0n, acquires: 0n, releases: 0n, interfacesOpened: 0n };
  const send = async (peer: ModelPeer, command: Request["command"]) => {
    const id = nextId++;
    const out = await peer.connection.handle(Request.create({ id, command }), []);
    expected.requests++;
    if (out.reply.result?.$case === "error") expected.errors++;
    expect(out.reply.id).toBe(id);
    return out;
  };
  for (const step of actions) {
    const peer = step.kind === "connect" || step.kind === "wait" ? undefined : peers[step.peer % Math.max(peers.length, 1)];
    switch (step.kind) {
      case "connect":
        peers.push({
          connection: broker.connect({ uid: step.uid, gid: step.uid, pid: 1 }, "unix"),
          uid: step.uid,
          held: new Set(),
          open: true,
        });
        break;
      case "acquire": {
        // Transports never use a closed connection: neither does this test.
        if (!peer?.open) break;
        const want = expectedAcquire(peer, step.network);
        const out = await send(peer, { $case: "acquire", value: { networkName: step.network } });
        expect(codeOf(out.reply)).toBe(want);
        if (want === ErrorCode.ERROR_CODE_SUCCESS) {
          peer.held.add(step.network);
          expected.acquires++;
        }
        break;
      }
      case "openTap": {
        if (!peer?.open) break;
        const want = expectedTap(peer, step.network, step.queues);
        const tap = { $case: "tap" as const, value: { vnetHeader: false, queues: step.queues, holder: 0 } };
        const out = await send(peer, { $case: "openInterface", value: { networkName: step.network, kind: tap } });
        expect(codeOf(out.reply)).toBe(want);
        expect(out.fds).toHaveLength(want === ErrorCode.ERROR_CODE_SUCCESS ? Math.max(step.queues, 1) : 0);
        if (want === ErrorCode.ERROR_CODE_SUCCESS) expected.interfacesOpened++;
        closeAll(out.fds);
        break;
      }
      case "status": {
        if (!peer?.open) break;
        expect((await send(peer, { $case: "status", value: {} })).reply.result?.$case).toBe("status");
        break;
      }
      case "disconnect":
        if (!peer) break;
        peer.connection.close();
        if (peer.open) expected.releases += BigInt(peer.held.size);
        peer.open = false;
        break;
      case "wait":
        await vi.advanceTimersByTimeAsync(step.ms);
        break;
    }
    const status = await broker.status();
    checkInvariants(status, backend, peers);
    expect(status.counters).toMatchObject({ ...expected, peersConnected: BigInt(peers.length) });
  }
}

describe("Broker invariants under random requests", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("keeps status consistent after every step", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 50, size: "max" }), (actions) => run(actions)),
      { seed: 0x5eed, numRuns: 100 },
    );
  });
});
