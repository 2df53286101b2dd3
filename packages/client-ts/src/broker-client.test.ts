// SPDX-License-Identifier: Apache-2.0
import { fstatSync, openSync, readSync, statSync, writeSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BrokerClient } from "./broker-client.js";
import { defaultSocketPath } from "./default-socket-path.js";
import { BrokerError, ErrorCode, ErrorCodes } from "./errors.js";
import { InterfaceKind, LeaseHolder, Reply } from "./gen/vmnet_broker/v1/broker.js";
import { closeAll } from "./socket/framed-endpoint.js";
import {
  closeQuietly,
  eventually,
  makePipe,
  makeTempDir,
  openFds,
} from "./socket/test-support/socket-fixtures.js";
import { echoAcquire, errorReply, FakeBroker, networkReply } from "./test-support/fake-broker.js";

let temp: ReturnType<typeof makeTempDir>;
let path: string;
let broker: FakeBroker | undefined;
beforeEach(() => {
  temp = makeTempDir();
  path = `${temp.dir}/broker.sock`;
});
afterEach(() => {
  broker?.stop();
  broker = undefined;
  temp.cleanup();
});

async function rejection(promise: Promise<unknown>): Promise<BrokerError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BrokerError) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

function tapReply(id: number, fdCount: number, holder = LeaseHolder.LEASE_HOLDER_UNSPECIFIED): Reply {
  return Reply.fromPartial({
    id,
    result: {
      $case: "interface",
      value: {
        networkName: "shared",
        kind: InterfaceKind.INTERFACE_KIND_TAP,
        name: "vmtap0",
        fdCount,
        mac: "52:54:00:12:34:56",
        guestMac: "02:42:ac:11:00:02",
        holder,
      },
    },
  });
}

describe("BrokerClient.connect", () => {
  it("says hello with its name first, without waiting for the answer", async () => {
    // A broker that never answers the hello still gets the next request at once.
    const seen: string[] = [];
    broker = new FakeBroker(path, (r) => {
      seen.push(r.request.command?.$case ?? "");
      echoAcquire(r);
    });
    const client = await BrokerClient.connect({ socketPath: path });
    await client.acquireNetwork("shared");
    expect(broker.hellos).toHaveLength(1);
    expect(broker.hellos[0]?.command).toMatchObject({
      $case: "hello",
      value: { protocolVersion: 1, clientName: "@vmnet-broker/client", clientVersion: expect.any(String) },
    });
    expect(seen).toEqual(["acquire"]);
    await client.close();
    const named = await BrokerClient.connect({
      socketPath: path,
      clientName: "vmnet-broker-cli",
      clientVersion: "9",
    });
    await named.acquireNetwork("shared");
    expect(broker.hellos[1]?.command).toMatchObject({
      value: { clientName: "vmnet-broker-cli", clientVersion: "9" },
    });
    await named.close();
  });

  it("keeps working when the broker refuses the hello", async () => {
    const fresh = `${temp.dir}/refusing.sock`;
    const refusing = new FakeBroker(
      fresh,
      (r) =>
        r.request.command?.$case === "hello"
          ? r.reply(errorReply(r.request.id, 4, "no hello here"))
          : echoAcquire(r),
      { answerHello: false },
    );
    try {
      const client = await BrokerClient.connect({ socketPath: fresh });
      await expect(client.acquireNetwork("shared")).resolves.toMatchObject({ name: "shared" });
      expect(refusing.requests.map((r) => r.request.command?.$case)).toEqual(["hello", "acquire"]);
      await client.close();
    } finally {
      refusing.stop();
    }
  });

  it("rejects with TRANSPORT_FAILURE naming the socket when nothing is there", async () => {
    const error = await rejection(BrokerClient.connect({ socketPath: `${temp.dir}/none.sock` }));
    expect(error.code).toBe(ErrorCode.ERROR_CODE_TRANSPORT_FAILURE);
    expect(error.codeName).toBe("TRANSPORT_FAILURE");
    expect(error.message).toContain("none.sock");
    expect((error.cause as { code?: string }).code).toBe("ENOENT");
  });

  it("uses VMNET_BROKER_SOCKET by default", async () => {
    expect(defaultSocketPath({})).toBe("/run/vmnet-broker/broker.sock");
    expect(defaultSocketPath({ VMNET_BROKER_SOCKET: path })).toBe(path);
    broker = new FakeBroker(path, echoAcquire);
    const saved = process.env.VMNET_BROKER_SOCKET;
    process.env.VMNET_BROKER_SOCKET = path;
    try {
      const client = await BrokerClient.connect();
      expect(client.socketPath).toBe(path);
      await client.close();
    } finally {
      if (saved === undefined) delete process.env.VMNET_BROKER_SOCKET;
      else process.env.VMNET_BROKER_SOCKET = saved;
    }
  });
});

describe("BrokerClient requests", () => {
  it("acquires a network", async () => {
    broker = new FakeBroker(path, echoAcquire);
    const client = await BrokerClient.connect({ socketPath: path });
    const network = await client.acquireNetwork("shared");
    expect(network).toMatchObject({
      name: "shared",
      mode: "shared",
      gateway: "192.168.105.1",
      mtu: 1500,
      bridge: "vmbr-test",
    });
    expect(broker.requests[0]?.request.command).toMatchObject({
      $case: "acquire",
      value: { networkName: "shared" },
    });
    await client.close();
  });

  it("maps the broker's error codes to BrokerError", async () => {
    broker = new FakeBroker(path, (r) =>
      r.reply(errorReply(r.request.id, ErrorCodes.NotFound, "no network named nope")),
    );
    const client = await BrokerClient.connect({ socketPath: path });
    const error = await rejection(client.acquireNetwork("nope"));
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe(ErrorCodes.NotFound);
    expect(error.message).toBe("NOT_FOUND: no network named nope");
    // The connection stays usable after an error reply.
    expect((await rejection(client.acquireNetwork("nope"))).code).toBe(ErrorCodes.NotFound);
    await client.close();
  });

  it("rejects the oldest request when the broker answers id 0 (undecodable request)", async () => {
    broker = new FakeBroker(path, (r) =>
      r.reply(errorReply(0, ErrorCodes.InvalidRequest, "undecodable request")),
    );
    const client = await BrokerClient.connect({ socketPath: path });
    expect((await rejection(client.status())).code).toBe(ErrorCodes.InvalidRequest);
    await client.close();
  });

  it("pipelines requests and matches replies by id, whatever their order", async () => {
    broker = new FakeBroker(path);
    const client = await BrokerClient.connect({ socketPath: path });
    const names = Array.from({ length: 20 }, (_, i) => `net${i}`);
    const calls = names.map((name) => client.acquireNetwork(name));
    // Every request is on the wire before any reply is sent.
    await eventually(() => broker?.requests.length === names.length, "all requests");
    const ids = broker.requests.map((r) => r.request.id);
    expect(new Set(ids).size).toBe(names.length);
    for (const received of [...broker.requests].reverse()) {
      const command = received.request.command;
      if (command?.$case === "acquire")
        received.reply(networkReply(received.request.id, command.value.networkName));
    }
    expect((await Promise.all(calls)).map((n) => n.name)).toEqual(names);
    await client.close();
  });

  it("returns TAP fds that work, with the declared count", async () => {
    const pipes = [makePipe(temp.dir, "q0"), makePipe(temp.dir, "q1")];
    broker = new FakeBroker(path, (r) =>
      r.reply(
        tapReply(r.request.id, 2),
        pipes.map((p) => p.write),
      ),
    );
    const client = await BrokerClient.connect({ socketPath: path });
    const tap = await client.openTap("shared", { queues: 2, vnetHeader: true });
    expect(broker.requests[0]?.request.command).toMatchObject({
      $case: "openInterface",
      value: { networkName: "shared", kind: { $case: "tap", value: { vnetHeader: true, queues: 2 } } },
    });
    expect(tap.name).toBe("vmtap0");
    expect(tap.fds).toHaveLength(2);
    tap.fds.forEach((fd, i) => {
      writeSync(fd, `queue ${i}`);
      const buffer = Buffer.alloc(16);
      const n = readSync(pipes[i]?.read ?? -1, buffer);
      expect(buffer.subarray(0, n).toString()).toBe(`queue ${i}`);
    });
    closeAll(tap.fds);
    for (const p of pipes) closeQuietly(p.read, p.write);
    await client.close();
  });

  it("asks for an interface-held TAP and surfaces the guest MAC and holder", async () => {
    const pipes = [makePipe(temp.dir, "q0"), makePipe(temp.dir, "q1")];
    broker = new FakeBroker(path, (r) =>
      r.reply(
        tapReply(r.request.id, 2, LeaseHolder.LEASE_HOLDER_INTERFACE),
        pipes.map((p) => p.write),
      ),
    );
    const client = await BrokerClient.connect({ socketPath: path });
    const tap = await client.openTap("shared", { queues: 2, holder: "interface" });
    expect(broker.requests[0]?.request.command).toMatchObject({
      $case: "openInterface",
      value: {
        networkName: "shared",
        kind: { $case: "tap", value: { queues: 2, holder: LeaseHolder.LEASE_HOLDER_INTERFACE } },
      },
    });
    expect(tap).toMatchObject({
      guestMac: "02:42:ac:11:00:02",
      holder: "interface",
      mac: "52:54:00:12:34:56",
    });
    expect(tap.fds).toHaveLength(2);
    closeAll(tap.fds);
    for (const p of pipes) closeQuietly(p.read, p.write);
    await client.close();
  });

  it("asks for a connection-held TAP by default", async () => {
    const pipe = makePipe(temp.dir);
    broker = new FakeBroker(path, (r) => r.reply(tapReply(r.request.id, 1), [pipe.write]));
    const client = await BrokerClient.connect({ socketPath: path });
    const tap = await client.openTap("shared");
    expect(broker.requests[0]?.request.command).toMatchObject({
      value: { kind: { value: { holder: LeaseHolder.LEASE_HOLDER_CONNECTION } } },
    });
    expect(tap.holder).toBe("connection");
    closeAll(tap.fds);
    closeQuietly(pipe.read, pipe.write);
    await client.close();
  });

  it("rejects with UNSUPPORTED, closing the fds, when the broker ignores holder=interface", async () => {
    const pipe = makePipe(temp.dir);
    broker = new FakeBroker(path, (r) => r.reply(tapReply(r.request.id, 1), [pipe.write]));
    const client = await BrokerClient.connect({ socketPath: path });
    await eventually(() => broker?.connections.size === 1, "the broker to accept");
    const before = openFds().size;
    const error = await rejection(client.openTap("shared", { holder: "interface" }));
    expect(error.code).toBe(ErrorCodes.Unsupported);
    expect(error.message).toContain("asked for holder=interface");
    expect(openFds().size).toBe(before);
    closeQuietly(pipe.read, pipe.write);
    await client.close();
  });

  it("splits TAP and vhost-net fds by the reply's counts, TAP queues first", async () => {
    const pipes = [makePipe(temp.dir, "tap"), makePipe(temp.dir, "vhost")];
    broker = new FakeBroker(path, (r) => {
      const reply = tapReply(r.request.id, 1);
      if (reply.result?.$case === "interface") reply.result.value.vhostFdCount = 1;
      r.reply(
        reply,
        pipes.map((p) => p.write),
      );
    });
    const client = await BrokerClient.connect({ socketPath: path });
    const tap = await client.openTap("shared", { vhostNet: true });
    expect(broker.requests[0]?.request.command).toMatchObject({
      value: { kind: { value: { vhostNet: true, named: false } } },
    });
    expect(tap.fds).toHaveLength(1);
    expect(tap.vhostFds).toHaveLength(1);
    // The vhost-net fd is the second one sent: writing to it reaches the "vhost" pipe.
    writeSync(tap.vhostFds[0] as number, "v");
    expect(readSync(pipes[1]?.read as number, Buffer.alloc(1))).toBe(1);
    closeAll([...tap.fds, ...tap.vhostFds]);
    for (const p of pipes) closeQuietly(p.read, p.write);
    await client.close();
  });

  it("rejects with UNSUPPORTED, closing the fds, when the broker ignores named or vhostNet", async () => {
    const pipe = makePipe(temp.dir);
    broker = new FakeBroker(path, (r) => r.reply(tapReply(r.request.id, 1), [pipe.write]));
    const client = await BrokerClient.connect({ socketPath: path });
    await eventually(() => broker?.connections.size === 1, "the broker to accept");
    const before = openFds().size;
    for (const options of [{ named: true }, { vhostNet: true }]) {
      const error = await rejection(client.openTap("shared", options));
      expect(error.code).toBe(ErrorCodes.Unsupported);
      expect(error.message).toContain("predates");
    }
    expect(openFds().size).toBe(before);
    closeQuietly(pipe.read, pipe.write);
    await client.close();
  });

  it("reports INVALID_REPLY and closes the fds when their count differs from fd_count", async () => {
    const pipe = makePipe(temp.dir);
    broker = new FakeBroker(path, (r) => r.reply(tapReply(r.request.id, 2), [pipe.write]));
    const client = await BrokerClient.connect({ socketPath: path });
    await eventually(() => broker?.connections.size === 1, "the broker to accept");
    const before = openFds().size;
    const error = await rejection(client.openTap("shared", { queues: 2 }));
    expect(error.code).toBe(ErrorCodes.InvalidReply);
    expect(error.message).toContain("declares 2 file descriptor(s) but 1 arrived");
    expect(openFds().size).toBe(before);
    closeQuietly(pipe.read, pipe.write);
    await client.close();
  });

  it("sends the namespace fd with a veth request", async () => {
    broker = new FakeBroker(path, (r) =>
      r.reply(
        Reply.fromPartial({
          id: r.request.id,
          result: {
            $case: "interface",
            value: {
              kind: InterfaceKind.INTERFACE_KIND_VETH,
              name: "vmveth0",
              peerIfname: "eth0",
              holder: LeaseHolder.LEASE_HOLDER_INTERFACE,
            },
          },
        }),
      ),
    );
    const client = await BrokerClient.connect({ socketPath: path });
    const netns = openSync("/proc/self/ns/net", "r");
    const veth = await client.openVeth("shared", netns, "eth0", { holder: "interface" });
    expect(veth).toMatchObject({ name: "vmveth0", peerIfname: "eth0", holder: "interface" });
    const received = broker.requests[0];
    expect(received?.request.command).toMatchObject({
      value: { kind: { $case: "veth", value: { holder: LeaseHolder.LEASE_HOLDER_INTERFACE } } },
    });
    expect(received?.fds).toHaveLength(1);
    expect(fstatSync(received?.fds[0] ?? -1).ino).toBe(statSync("/proc/self/ns/net").ino);
    closeQuietly(netns);
    await client.close();
  });
});

describe("BrokerClient failures", () => {
  it("rejects pending and later calls with TRANSPORT_FAILURE when the broker dies", async () => {
    broker = new FakeBroker(path);
    const client = await BrokerClient.connect({ socketPath: path });
    const pending = [client.acquireNetwork("a"), client.status(), client.hello()];
    await eventually(() => broker?.requests.length === 3, "requests");
    broker.requests[0]?.hangUp();
    for (const call of pending) expect((await rejection(call)).code).toBe(ErrorCodes.TransportFailure);
    await client.closed;
    expect(client.isClosed).toBe(true);
    expect((await rejection(client.acquireNetwork("b"))).code).toBe(ErrorCodes.TransportFailure);
  });

  it("reports INVALID_REPLY for an oversized reply header, then TRANSPORT_FAILURE", async () => {
    broker = new FakeBroker(path, (r) => r.sendRaw(Buffer.from([0x00, 0x40, 0x00, 0x01])));
    const client = await BrokerClient.connect({ socketPath: path });
    const error = await rejection(client.status());
    expect(error.code).toBe(ErrorCodes.InvalidReply);
    expect(error.message).toContain("4194305");
    expect((await rejection(client.status())).code).toBe(ErrorCodes.TransportFailure);
  });

  it("fails the connection with INVALID_REPLY on a reply whose id no request used", async () => {
    const pipe = makePipe(temp.dir);
    broker = new FakeBroker(path);
    const client = await BrokerClient.connect({ socketPath: path });
    await eventually(() => broker?.connections.size === 1, "the broker to accept");
    const before = openFds();
    const pending = [rejection(client.acquireNetwork("shared")), rejection(client.status())];
    await eventually(() => broker?.requests.length === 2, "both requests");
    const ids = broker.requests.map((r) => r.request.id);
    broker.requests[0]?.reply(tapReply(Math.max(...ids) + 1000, 1), [pipe.write]);
    // Real answers follow: a client that dropped the stray reply would take them.
    for (const received of broker.requests) echoAcquire(received);
    for (const error of await Promise.all(pending)) {
      expect(error.code).toBe(ErrorCodes.InvalidReply);
      expect(error.message).toContain("matches no pending request");
    }
    expect((await rejection(client.hello())).code).toBe(ErrorCodes.TransportFailure);
    await client.closed;
    // The fd that came with the stray reply was closed, not kept.
    expect([...openFds()].filter((fd) => !before.has(fd))).toEqual([]);
    closeQuietly(pipe.read, pipe.write);
  });

  it("fails the connection with INVALID_REPLY on a second reply to one request", async () => {
    broker = new FakeBroker(path);
    const client = await BrokerClient.connect({ socketPath: path });
    const first = client.acquireNetwork("shared");
    const second = rejection(client.acquireNetwork("host"));
    await eventually(() => broker?.requests.length === 2, "both requests");
    const answered = broker.requests[0] as Parameters<typeof echoAcquire>[0];
    echoAcquire(answered);
    expect((await first).name).toBe("shared");
    echoAcquire(answered);
    echoAcquire(broker.requests[1] as Parameters<typeof echoAcquire>[0]);
    expect((await second).code).toBe(ErrorCodes.InvalidReply);
  });

  it("reports INVALID_REPLY for an undecodable reply", async () => {
    broker = new FakeBroker(path, (r) => r.sendRaw(Buffer.from([0, 0, 0, 2, 0xff, 0xff])));
    const client = await BrokerClient.connect({ socketPath: path });
    expect((await rejection(client.status())).code).toBe(ErrorCodes.InvalidReply);
  });

  it("reports INVALID_REPLY for a reply of the wrong kind", async () => {
    broker = new FakeBroker(path, (r) => r.reply(networkReply(r.request.id, "shared")));
    const client = await BrokerClient.connect({ socketPath: path });
    const error = await rejection(client.status());
    expect(error.code).toBe(ErrorCodes.InvalidReply);
    expect(error.message).toContain("expected a status reply, got network");
    await client.close();
  });

  it("close() rejects pending calls and the broker sees the connection end", async () => {
    broker = new FakeBroker(path);
    const client = await BrokerClient.connect({ socketPath: path });
    const pending = rejection(client.acquireNetwork("shared"));
    await eventually(() => broker?.requests.length === 1, "the request");
    await client.close();
    expect((await pending).code).toBe(ErrorCodes.TransportFailure);
    await eventually(() => broker?.disconnects === 1, "the broker to see the close");
  });

  it("an aborted call rejects with the signal's reason; the late reply is dropped, fds closed", async () => {
    const pipe = makePipe(temp.dir);
    broker = new FakeBroker(path);
    const client = await BrokerClient.connect({ socketPath: path });
    await eventually(() => broker?.connections.size === 1, "the broker to accept");
    const controller = new AbortController();
    const aborted = client.openTap("shared", { signal: controller.signal });
    await eventually(() => broker?.requests.length === 1, "the request");
    const before = openFds().size;
    controller.abort(new Error("gave up"));
    await expect(aborted).rejects.toThrow("gave up");
    // The late reply arrives with an fd: the client closes it and stays usable.
    const late = broker.requests[0];
    late?.reply(tapReply(late.request.id, 1), [pipe.write]);
    const next = client.acquireNetwork("shared");
    await eventually(() => broker?.requests.length === 2, "the next request");
    echoAcquire(broker.requests[1] as Parameters<typeof echoAcquire>[0]);
    expect((await next).name).toBe("shared");
    expect(openFds().size).toBe(before);
    await expect(client.status({ signal: AbortSignal.abort(new Error("already")) })).rejects.toThrow(
      "already",
    );
    closeQuietly(pipe.read, pipe.write);
    await client.close();
  });
});
