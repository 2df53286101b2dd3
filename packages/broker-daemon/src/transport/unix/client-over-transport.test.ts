// SPDX-License-Identifier: Apache-2.0
import { closeSync, writeSync } from "node:fs";
import { BrokerClient, BrokerError, ErrorCodes } from "@vmnet-broker/client";
import { ErrorCode, InterfaceKind, LeaseHolder, NetworkMode, type Request } from "@vmnet-broker/client/protocol";
import { closeAll } from "@vmnet-broker/client/socket";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Outgoing } from "../../core/peer.js";
import { FakeAcceptor } from "./fake-acceptor.test-util.js";
import { eventually, makePipe, readPipe, tempDir } from "./test-client.test-util.js";
import { UnixTransport } from "./unix-transport.js";

let temp: ReturnType<typeof tempDir>;
let socketPath: string;
let transport: UnixTransport | undefined;
let gate: Promise<void> | undefined;

beforeEach(() => {
  temp = tempDir();
  socketPath = `${temp.dir}/broker.sock`;
  gate = undefined;
});
afterEach(async () => {
  await transport?.close();
  transport = undefined;
  temp.cleanup();
});

/** A tiny core: "shared" and "host" exist, TAPs are pipes, everything else is NOT_FOUND. */
function miniCore(pipes: { write: number }[]): FakeAcceptor {
  return new FakeAcceptor(async (request: Request): Promise<Outgoing> => {
    if (gate !== undefined) await gate;
    const error = (code: ErrorCode, message: string): Outgoing => ({
      reply: { id: request.id, result: { $case: "error", value: { code, message } } },
      fds: [],
    });
    const command = request.command;
    if (command?.$case === "acquire") {
      const name = command.value.networkName;
      if (name !== "shared" && name !== "host") return error(ErrorCode.ERROR_CODE_NOT_FOUND, `no network named "${name}"`);
      return {
        reply: {
          id: request.id,
          result: {
            $case: "network",
            value: {
              name,
              mode: name === "shared" ? NetworkMode.NETWORK_MODE_SHARED : NetworkMode.NETWORK_MODE_HOST,
              description: "",
              subnet: "192.168.105.0",
              mask: "255.255.255.0",
              gateway: "192.168.105.1",
              ipv6Prefix: "",
              mtu: 1500,
              bridge: "vmbr0",
              vmnetSerialization: Buffer.alloc(0),
              dhcp: true,
              dns: true,
              portForwards: [],
            },
          },
        },
        fds: [],
      };
    }
    if (command?.$case === "openInterface" && command.value.kind?.$case === "tap") {
      return {
        reply: {
          id: request.id,
          result: {
            $case: "interface",
            value: {
              networkName: command.value.networkName,
              kind: InterfaceKind.INTERFACE_KIND_TAP,
              name: "vmtap0",
              fdCount: pipes.length,
              peerIfname: "",
              mac: "52:54:00:00:00:01",
              guestMac: "",
              holder: LeaseHolder.LEASE_HOLDER_CONNECTION,
              vhostFdCount: 0,
            },
          },
        },
        fds: pipes.map((p) => p.write),
      };
    }
    return error(ErrorCode.ERROR_CODE_UNSUPPORTED, "not in the mini core");
  });
}

async function rejection(promise: Promise<unknown>): Promise<BrokerError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BrokerError) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

describe("BrokerClient against the real UnixTransport", () => {
  it("acquires a network and maps errors", async () => {
    transport = UnixTransport.listen(miniCore([]), { socketPath, mode: 0o600 });
    const client = await BrokerClient.connect({ socketPath });
    const network = await client.acquireNetwork("shared");
    expect(network).toMatchObject({ name: "shared", mode: "shared", gateway: "192.168.105.1", bridge: "vmbr0" });
    const error = await rejection(client.acquireNetwork("nope"));
    expect(error.code).toBe(ErrorCodes.NotFound);
    expect(error.message).toContain('no network named "nope"');
    await client.close();
  });

  it("pipelines many requests on one connection", async () => {
    transport = UnixTransport.listen(miniCore([]), { socketPath, mode: 0o600 });
    const client = await BrokerClient.connect({ socketPath });
    const names = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? "shared" : "host"));
    const networks = await Promise.all(names.map((name) => client.acquireNetwork(name)));
    expect(networks.map((n) => n.name)).toEqual(names);
    await client.close();
  });

  it("delivers TAP fds through the transport", async () => {
    const pipe = makePipe(temp.dir);
    transport = UnixTransport.listen(miniCore([pipe]), { socketPath, mode: 0o600 });
    const client = await BrokerClient.connect({ socketPath });
    await client.acquireNetwork("shared");
    const tap = await client.openTap("shared");
    expect(tap).toMatchObject({ name: "vmtap0", mac: "52:54:00:00:00:01" });
    expect(tap.fds).toHaveLength(1);
    writeSync(tap.fds[0] ?? -1, "frame");
    expect(readPipe(pipe.read)).toBe("frame");
    closeAll(tap.fds);
    closeSync(pipe.read);
    await client.close();
  });

  it("the connection is the lease: closing the client releases its peer once", async () => {
    const core = miniCore([]);
    transport = UnixTransport.listen(core, { socketPath, mode: 0o600 });
    const client = await BrokerClient.connect({ socketPath });
    await client.acquireNetwork("shared");
    await client.close();
    await eventually(() => core.peers[0]?.closeCount === 1, "the release");
  });

  it("rejects pending and later calls with TRANSPORT_FAILURE when the broker goes away", async () => {
    let release!: () => void;
    gate = new Promise((resolve) => {
      release = resolve;
    });
    const core = miniCore([]);
    transport = UnixTransport.listen(core, { socketPath, mode: 0o600 });
    const client = await BrokerClient.connect({ socketPath });
    const pending = [rejection(client.acquireNetwork("shared")), rejection(client.acquireNetwork("host"))];
    await eventually(() => core.peers[0]?.requests.length === 1, "the first request in the core");
    await transport.close();
    transport = undefined;
    for (const error of await Promise.all(pending)) expect(error.code).toBe(ErrorCodes.TransportFailure);
    expect((await rejection(client.status())).code).toBe(ErrorCodes.TransportFailure);
    await expect(BrokerClient.connect({ socketPath })).rejects.toMatchObject({ code: ErrorCodes.TransportFailure });
    release();
    expect(core.peers[0]?.closeCount).toBe(1);
  });
});
