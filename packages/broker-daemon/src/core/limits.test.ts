// SPDX-License-Identifier: Apache-2.0
import { closeSync } from "node:fs";
import { ErrorCode, type Reply, Request } from "@vmnet-broker/client/protocol";
import { beforeEach, describe, expect, it } from "vitest";
import { BUILTIN_NETWORKS } from "../config/builtin.js";
import { ConnectionLimits } from "./connection-limits.js";
import { FakeBackend, makeBroker } from "./fake-backend.test-util.js";
import { LimitExceeded, ROOT_CONNECTION_RESERVE } from "./limits.js";
import type { PeerConnection } from "./peer.js";

const user = (uid: number) => ({ uid, gid: uid, pid: 100 + uid });
let nextId = 1;
const request = (command: Request["command"]) => Request.create({ id: nextId++, command });
const acquire = (peer: PeerConnection, name: string) => peer.handle(request({ $case: "acquire", value: { networkName: name } }), []);
async function openTap(peer: PeerConnection, name = "shared"): Promise<Reply> {
  const out = await peer.handle(
    request({ $case: "openInterface", value: { networkName: name, kind: { $case: "tap", value: { vnetHeader: false, queues: 1 } } } }),
    [],
  );
  for (const fd of out.fds) closeSync(fd);
  return out.reply;
}
const failure = (reply: Reply) => (reply.result?.$case === "error" ? reply.result.value : undefined);
const tapName = (reply: Reply) => (reply.result?.$case === "interface" ? reply.result.value.name : undefined);

describe("ConnectionLimits", () => {
  it("refuses a uid over its own limit, naming it, while other uids connect", () => {
    const limits = new ConnectionLimits({ maxConnections: 10, maxConnectionsPerUser: 2 });
    limits.admit(4242);
    limits.admit(4242);
    expect(() => limits.admit(4242)).toThrow("limit max-connections-per-user (2) reached for uid 4242");
    limits.admit(4243);
    limits.release(4242);
    limits.admit(4242);
  });

  it("refuses everyone but root at the total, and root only past its reserve", () => {
    const limits = new ConnectionLimits({ maxConnections: 3, maxConnectionsPerUser: 100 });
    for (const uid of [1, 2, 3]) limits.admit(uid);
    const refused = (() => {
      try {
        limits.admit(4);
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(LimitExceeded);
    expect(refused).toMatchObject({ code: ErrorCode.ERROR_CODE_LIMIT_EXCEEDED, limit: "max-connections", value: 3 });
    for (let i = 0; i < ROOT_CONNECTION_RESERVE; i++) limits.admit(0);
    expect(() => limits.admit(0)).toThrow(/limit max-connections \(3\) reached for uid 0/);
    limits.release(0);
    limits.admit(0);
  });

  it("never lets root's own connections count against a user's limit", () => {
    const limits = new ConnectionLimits({ maxConnections: 100, maxConnectionsPerUser: 1 });
    for (let i = 0; i < 5; i++) limits.admit(0);
    limits.admit(7);
  });
});

describe("Broker connection limits", () => {
  it("refuses a connection over the limit and frees the slot when a peer leaves", () => {
    const broker = makeBroker(new FakeBackend(), { limits: { maxConnectionsPerUser: 2 } });
    const a = broker.connect(user(4242), "unix");
    broker.connect(user(4242), "unix");
    expect(() => broker.connect(user(4242), "unix")).toThrow(/max-connections-per-user \(2\)/);
    expect(broker.peerCount).toBe(2);
    a.close();
    a.close(); // a second close frees nothing more
    broker.connect(user(4242), "unix");
    expect(() => broker.connect(user(4242), "unix")).toThrow(LimitExceeded);
  });
});

describe("Broker interface limits", () => {
  let backend: FakeBackend;
  beforeEach(() => {
    backend = new FakeBackend();
  });

  it("caps one connection's interfaces across all its networks", async () => {
    const broker = makeBroker(backend, { limits: { maxInterfacesPerPeer: 3 } });
    const peer = broker.connect(user(4242), "unix");
    await acquire(peer, "shared");
    await acquire(peer, "host");
    for (const network of ["shared", "host", "host"]) expect(tapName(await openTap(peer, network))).toBeDefined();
    const refused = failure(await openTap(peer, "shared"));
    expect(refused).toMatchObject({
      code: ErrorCode.ERROR_CODE_LIMIT_EXCEEDED,
      message: "limit max-interfaces-per-peer (3) reached for this connection",
    });
    // Another connection of the same uid has its own budget.
    const other = broker.connect(user(4242), "unix");
    await acquire(other, "shared");
    expect(tapName(await openTap(other))).toBeDefined();
  });

  it("caps a uid over all its connections, leaves other uids alone, and frees room when a peer leaves", async () => {
    const broker = makeBroker(backend, { limits: { maxInterfacesPerUser: 3 } });
    const [a, b, victim] = [broker.connect(user(4242), "unix"), broker.connect(user(4242), "unix"), broker.connect(user(1000), "unix")];
    for (const peer of [a, b, victim]) await acquire(peer, "shared");
    await openTap(a);
    await openTap(a);
    await openTap(b);
    expect(failure(await openTap(b))?.message).toBe("limit max-interfaces-per-user (3) reached for uid 4242");
    expect(failure(await openTap(a))?.code).toBe(ErrorCode.ERROR_CODE_LIMIT_EXCEEDED);
    expect(tapName(await openTap(victim))).toBeDefined();
    a.close();
    expect(tapName(await openTap(b))).toBeDefined();
  });

  it("counts only interfaces that still exist once at the limit (a VM closed its TAP)", async () => {
    const broker = makeBroker(backend, { limits: { maxInterfacesPerPeer: 2 } });
    const peer = broker.connect(user(4242), "unix");
    await acquire(peer, "shared");
    const first = tapName(await openTap(peer)) as string;
    await openTap(peer);
    expect(failure(await openTap(peer))?.code).toBe(ErrorCode.ERROR_CODE_LIMIT_EXCEEDED);
    backend.created[0]?.alive.delete(first);
    expect(tapName(await openTap(peer))).toBeDefined();
  });

  it("caps a network for everyone but root", async () => {
    const broker = makeBroker(backend, { limits: { maxInterfacesPerNetwork: 2 } });
    const peers = [4242, 1000, 0].map((uid) => broker.connect(user(uid), "unix"));
    for (const peer of peers) await acquire(peer, "shared");
    await openTap(peers[0] as PeerConnection);
    await openTap(peers[1] as PeerConnection);
    expect(failure(await openTap(peers[1] as PeerConnection))?.message).toBe(
      "limit max-interfaces-per-network (2) reached for network 'shared'",
    );
    expect(tapName(await openTap(peers[2] as PeerConnection))).toBeDefined();
    // Another network is not full.
    await acquire(peers[1] as PeerConnection, "host");
    expect(tapName(await openTap(peers[1] as PeerConnection, "host"))).toBeDefined();
  });

  it("exempts root from the per-user limit but not the per-connection one", async () => {
    const broker = makeBroker(backend, { limits: { maxInterfacesPerUser: 1, maxInterfacesPerPeer: 2 } });
    const peer = broker.connect(user(0), "unix");
    await acquire(peer, "shared");
    await openTap(peer);
    await openTap(peer);
    expect(failure(await openTap(peer))?.message).toContain("max-interfaces-per-peer (2)");
  });

  it("counts creations under way, so concurrent peers of one uid cannot overshoot", async () => {
    const broker = makeBroker(backend, { limits: { maxInterfacesPerUser: 2 } });
    const peers = [1, 2, 3, 4].map(() => broker.connect(user(4242), "unix"));
    for (const peer of peers) await acquire(peer, "shared");
    const replies = await Promise.all(peers.map((peer) => openTap(peer)));
    expect(replies.filter((r) => tapName(r) !== undefined)).toHaveLength(2);
    expect(replies.filter((r) => failure(r)?.code === ErrorCode.ERROR_CODE_LIMIT_EXCEEDED)).toHaveLength(2);
  });

  it("names the network limit on acquire too", async () => {
    const extra = ["n1", "n2"].map((name) => ({ ...BUILTIN_NETWORKS[0]!, name }));
    const { loadConfig } = await import("../config/load.js");
    const config = await loadConfig("/nonexistent-config-dir", {
      uidOf: () => undefined,
      gidOf: () => undefined,
      userName: () => undefined,
      groupsOf: () => new Set(),
    });
    const broker = makeBroker(backend, {
      config: { ...config, networks: new Map([...config.networks, ...extra.map((n) => [n.name, n] as const)]) },
      limits: { maxNetworksPerPeer: 1 },
    });
    const peer = broker.connect(user(4242), "unix");
    await acquire(peer, "n1");
    expect(failure((await acquire(peer, "n2")).reply)?.message).toBe(
      "limit max-networks-per-peer (1) reached for this connection; it holds n1",
    );
  });
});
