// SPDX-License-Identifier: Apache-2.0
// The core's side of TapOptions.named and TapOptions.vhost_net (fake backend).
import { closeSync, fstatSync } from "node:fs";
import { ErrorCode, LeaseHolder, Request, type TapOptions } from "@vmnet-broker/client/protocol";
import { describe, expect, it } from "vitest";
import { FakeBackend, type FakeNetwork, makeBroker } from "./fake-backend.test-util.js";
import type { PeerConnection } from "./peer.js";

const alice = { uid: 1000, gid: 1000, pid: 10 };
let nextId = 1;

async function open(peer: PeerConnection, options: Partial<TapOptions>) {
  await peer.handle(Request.create({ id: nextId++, command: { $case: "acquire", value: { networkName: "shared" } } }), []);
  const value = { vnetHeader: false, queues: 1, holder: LeaseHolder.LEASE_HOLDER_UNSPECIFIED, named: false, vhostNet: false, ...options };
  return peer.handle(
    Request.create({ id: nextId++, command: { $case: "openInterface", value: { networkName: "shared", kind: { $case: "tap", value } } } }),
    [],
  );
}

describe("named TAPs", () => {
  it("answer with the device's name and no fd, record it as named, and remove it when the connection ends", async () => {
    const backend = new FakeBackend();
    const broker = makeBroker(backend);
    const peer = broker.connect(alice, "unix");
    const out = await open(peer, { named: true, queues: 2, vnetHeader: true });
    const reply = out.reply.result?.$case === "interface" ? out.reply.result.value : undefined;
    expect(reply?.name).toBe("faketap0");
    expect(reply?.fdCount).toBe(0);
    expect(out.fds).toEqual([]);
    const network = backend.created[0] as FakeNetwork;
    expect(network.lastTap).toMatchObject({ named: true, queues: 2, vnetHeader: true, ownerUid: 1000, ownerGid: 1000 });
    expect(network.notes).toEqual([expect.objectContaining({ name: "faketap0", named: true, holder: "connection" })]);
    peer.close();
    expect(network.removed).toEqual(["faketap0"]);
  });

  it("are refused with holder=interface (INVALID_REQUEST), before anything is created", async () => {
    const backend = new FakeBackend();
    const peer = makeBroker(backend).connect(alice, "unix");
    const out = await open(peer, { named: true, holder: LeaseHolder.LEASE_HOLDER_INTERFACE });
    expect(out.reply.result).toMatchObject({ $case: "error", value: { code: ErrorCode.ERROR_CODE_INVALID_REQUEST } });
    expect(backend.created[0]?.lastTap).toBeUndefined();
  });
});

describe("vhost-net fds", () => {
  it("follow the TAP fds, one per queue, counted in vhost_fd_count", async () => {
    const backend = new FakeBackend();
    backend.hasVhostNet = true;
    const out = await open(makeBroker(backend).connect(alice, "unix"), { vhostNet: true, queues: 3 });
    const reply = out.reply.result?.$case === "interface" ? out.reply.result.value : undefined;
    expect(reply?.fdCount).toBe(3);
    expect(reply?.vhostFdCount).toBe(3);
    expect(out.fds).toHaveLength(6);
    for (const fd of out.fds) {
      expect(fstatSync(fd).isCharacterDevice()).toBe(true);
      closeSync(fd);
    }
  });

  it("are UNSUPPORTED, with the reason, on a host without /dev/vhost-net", async () => {
    const out = await open(makeBroker(new FakeBackend()).connect(alice, "unix"), { vhostNet: true });
    expect(out.reply.result).toMatchObject({ $case: "error", value: { code: ErrorCode.ERROR_CODE_UNSUPPORTED } });
    expect(out.reply.result?.$case === "error" && out.reply.result.value.message).toContain("/dev/vhost-net");
    expect(out.fds).toEqual([]);
  });
});
