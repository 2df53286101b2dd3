// SPDX-License-Identifier: Apache-2.0
// The XPC transport over the real core and the real vmnet backend, with libxpc
// and vmnet replaced by test doubles (native-double.test-util.ts).
import { ErrorCode, LeaseHolder, Reply, Request } from "@vmnet-broker/client/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createVmnetBackend } from "../../backend/vmnet/vmnet-backend.js";
import { builtinConfig } from "../../config/load.js";
import type { AccountDatabase } from "../../config/users.js";
import { Broker } from "../../core/broker.js";
import { silentLogger } from "../../log.js";
import { type SerializationDouble, VmnetNativeDouble, XpcNativeDouble } from "./native-double.test-util.js";
import { DEFAULT_SERVICE_NAME, XpcTransport, type XpcTransportEvent } from "./xpc-transport.js";
import { type XpcDictionary, xpcData, xpcDictionary, xpcGet, xpcString } from "./xpc-value.js";

const accounts: AccountDatabase = {
  uidOf: () => undefined,
  gidOf: () => undefined,
  userName: () => undefined,
  groupsOf: (_uid, gid) => new Set([gid]),
};

const acquire = (name: string) => xpcDictionary({ command: xpcString("acquire"), network_name: xpcString(name) });
const request = (r: Request) => xpcDictionary({ command: xpcString("request"), request: xpcData(Request.encode(r).finish()) });
const statusRequest = (id = 1) => request({ id, command: { $case: "status", value: {} } });

function replyOf(body: XpcDictionary): Reply {
  const data = xpcGet(body, "reply");
  if (data?.type !== "data") throw new Error(`no reply data in ${JSON.stringify(body.entries.map(([k]) => k))}`);
  return Reply.decode(data.value);
}

function errorOf(body: XpcDictionary): bigint | undefined {
  const error = xpcGet(body, "error");
  return error?.type === "int64" ? error.value : undefined;
}

function serializationOf(body: XpcDictionary): SerializationDouble | undefined {
  const network = xpcGet(body, "network");
  return network?.type === "object" ? (network.handle as SerializationDouble) : undefined;
}

describe("XpcTransport", () => {
  let xpc: XpcNativeDouble;
  let vmnet: VmnetNativeDouble;
  let broker: Broker;
  let transport: XpcTransport;
  let events: XpcTransportEvent[];

  beforeEach(() => {
    xpc = new XpcNativeDouble();
    vmnet = new VmnetNativeDouble();
    events = [];
    broker = new Broker({
      backend: createVmnetBackend({ native: vmnet }),
      config: builtinConfig(),
      accounts,
      logger: silentLogger,
      version: "test",
      idleDelayMs: 60_000,
    });
    transport = XpcTransport.listen(broker, { native: xpc, onEvent: (e) => events.push(e) });
  });

  afterEach(async () => {
    transport.close();
    await broker.shutdown();
  });

  async function status(peer: number) {
    const reply = replyOf(await xpc.send(peer, statusRequest()));
    if (reply.result?.$case !== "status") throw new Error("not a status reply");
    return reply.result.value;
  }

  it("listens on the existing broker's service name by default", () => {
    expect(xpc.serviceName).toBe(DEFAULT_SERVICE_NAME);
    expect(transport.description).toBe(`xpc:${DEFAULT_SERVICE_NAME}`);
  });

  it("answers an upstream acquire with the network's vmnet serialization", async () => {
    xpc.connect(1);
    const body = await xpc.send(1, acquire("shared"));
    expect(body.entries.map(([k]) => k)).toEqual(["network"]);
    expect(serializationOf(body)).toEqual({ serializationOf: 1 });
    expect(vmnet.created).toHaveLength(1);
    expect(vmnet.created[0]).toMatchObject({ mode: "shared", nat44: true, dhcp: true });
  });

  it("shares one vmnet network between peers and counts both", async () => {
    xpc.connect(1);
    xpc.connect(2);
    const [a, b] = await Promise.all([xpc.send(1, acquire("shared")), xpc.send(2, acquire("shared"))]);
    expect(serializationOf(a)).toEqual(serializationOf(b));
    expect(vmnet.created).toHaveLength(1);
    const s = await status(1);
    expect(s.networks.find((n) => n.network?.name === "shared")?.references).toBe(2);
    expect(s.platform).toBe("darwin");
  });

  it("uses the XPC euid as the peer's identity", async () => {
    xpc.connect(1, 777, 30, 999);
    xpc.connect(2, 0, 0, 1);
    const s = await status(2);
    // The asker (peer 2) knows itself and is not listed.
    expect(s.peers).toHaveLength(1);
    expect(s.peers[0]).toMatchObject({ uid: 777, gid: 30, pid: 999 });
  });

  it("answers an unknown network with error 5 and nothing else", async () => {
    xpc.connect(1);
    const body = await xpc.send(1, acquire("no-such-network"));
    expect(body.entries.map(([k]) => k)).toEqual(["error"]);
    expect(errorOf(body)).toBe(5n);
  });

  it("answers malformed messages with error 4 and keeps the peer usable", async () => {
    xpc.connect(1);
    expect(errorOf(await xpc.send(1, xpcDictionary({ network_name: xpcString("shared") })))).toBe(4n);
    expect(errorOf(await xpc.send(1, xpcDictionary({ command: xpcString("bogus") })))).toBe(4n);
    expect(errorOf(await xpc.send(1, xpcDictionary({ command: xpcString("acquire") })))).toBe(4n);
    expect(events.filter((e) => e.type === "invalid-message")).toHaveLength(3);
    expect(serializationOf(await xpc.send(1, acquire("host")))).toBeDefined();
  });

  it("releases a peer's networks when it disconnects", async () => {
    xpc.connect(1);
    xpc.connect(2);
    await xpc.send(1, acquire("shared"));
    xpc.disconnect(1);
    const s = await status(2);
    expect(s.peers).toHaveLength(0);
    expect(s.networks.find((n) => n.network?.name === "shared")?.references).toBe(0);
  });

  it("answers hello with the darwin platform and no TAP/veth features", async () => {
    xpc.connect(1);
    const reply = replyOf(
      await xpc.send(
        1,
        request({ id: 9, command: { $case: "hello", value: { protocolVersion: 1, clientName: "t", clientVersion: "0" } } }),
      ),
    );
    expect(reply.id).toBe(9);
    expect(reply.result).toMatchObject({ $case: "hello", value: { platform: "darwin" } });
    const features = reply.result?.$case === "hello" ? reply.result.value.features : [];
    expect(features).not.toContain("tap");
    expect(features).not.toContain("veth");
  });

  it("answers a TAP request with UNSUPPORTED", async () => {
    xpc.connect(1);
    await xpc.send(1, acquire("shared"));
    const reply = replyOf(
      await xpc.send(
        1,
        request({
          id: 3,
          command: {
            $case: "openInterface",
            value: {
              networkName: "shared",
              kind: {
                $case: "tap",
                value: { vnetHeader: false, queues: 1, holder: LeaseHolder.LEASE_HOLDER_UNSPECIFIED, named: false, vhostNet: false },
              },
            },
          },
        }),
      ),
    );
    expect(reply.result).toMatchObject({ $case: "error", value: { code: ErrorCode.ERROR_CODE_UNSUPPORTED } });
  });

  it("carries the serialization next to the Reply for an acquire sent as a request", async () => {
    xpc.connect(1);
    const body = await xpc.send(1, request({ id: 5, command: { $case: "acquire", value: { networkName: "shared" } } }));
    expect(replyOf(body).result?.$case).toBe("network");
    expect(serializationOf(body)).toEqual({ serializationOf: 1 });
  });

  it("answers one peer's messages in the order they arrived", async () => {
    let open!: () => void;
    vmnet.gate = new Promise((resolve) => (open = resolve));
    xpc.connect(1);
    const first = xpc.send(1, acquire("shared"));
    const second = xpc.send(1, statusRequest(2));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const sentWhileBlocked = xpc.sent.length; // the status must wait behind the slow acquire
    open();
    await Promise.all([first, second]);
    expect(sentWhileBlocked).toBe(0);
    expect(xpc.sent.map((s) => (xpcGet(s.body, "network") ? "acquire" : "status"))).toEqual(["acquire", "status"]);
  });

  it("turns vmnet's SHARING_SERVICE_BUSY into CREATE_FAILURE explaining Internet Sharing", async () => {
    vmnet.failNext = { call: "vmnet_network_create", status: 1009 };
    xpc.connect(1);
    const reply = replyOf(await xpc.send(1, request({ id: 4, command: { $case: "acquire", value: { networkName: "shared" } } })));
    expect(reply.result).toMatchObject({ $case: "error", value: { code: ErrorCode.ERROR_CODE_CREATE_FAILURE } });
    const message = reply.result?.$case === "error" ? reply.result.value.message : "";
    expect(message).toContain("VMNET_SHARING_SERVICE_BUSY");
    expect(message).toContain("Internet Sharing");
    vmnet.failNext = { call: "vmnet_network_create", status: 1001 };
    expect(errorOf(await xpc.send(1, acquire("host")))).toBe(6n);
  });

  it("still handles a message sent without a reply context", async () => {
    xpc.connect(1);
    xpc.sendNoReply(1, acquire("shared"));
    const s = await status(1); // queued behind the acquire
    expect(s.networks.find((n) => n.network?.name === "shared")?.references).toBe(1);
    expect(xpc.sent).toHaveLength(1); // only the status reply
  });

  it("closes every peer on close(), releasing their networks", async () => {
    xpc.connect(1);
    await xpc.send(1, acquire("shared"));
    expect(transport.peerCount).toBe(1);
    transport.close();
    expect(transport.peerCount).toBe(0);
    expect(xpc.listening).toBe(false);
    expect(broker.peerCount).toBe(0);
    await broker.shutdown();
    expect(vmnet.live).toBe(0);
  });

  it("reports listener errors and messages from unknown peers without throwing", () => {
    xpc.listenerError("XPC listener error: Connection invalid");
    xpc.sendNoReply(42, acquire("shared"));
    expect(events).toEqual([
      { type: "listener-error", message: "XPC listener error: Connection invalid" },
      { type: "unknown-peer", peer: 42 },
    ]);
  });
});
