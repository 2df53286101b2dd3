// SPDX-License-Identifier: Apache-2.0
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BrokerClient } from "./broker-client.js";
import { BrokerError, ErrorCode } from "./errors.js";
import { EventType, Reply } from "./gen/vmnet_broker/v1/broker.js";
import { eventually, makeTempDir } from "./socket/test-support/socket-fixtures.js";
import { FakeBroker, type ReceivedRequest } from "./test-support/fake-broker.js";

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

const GUEST = "52:54:00:aa:bb:cc";
const leaseValue = {
  mac: GUEST,
  ip: "10.0.0.7",
  hostname: "vm",
  expiresUnix: 99n,
  ipv6: ["fd00::7"],
  networkName: "shared",
};

describe("waitForLease", () => {
  it("sends network, MAC and the wait, and answers with the lease", async () => {
    broker = new FakeBroker(path, (r) =>
      r.reply(Reply.fromPartial({ id: r.request.id, result: { $case: "lease", value: leaseValue } })),
    );
    const client = await BrokerClient.connect({ socketPath: path });
    const lease = await client.waitForLease("shared", GUEST, { timeoutMs: 5000 });
    expect(broker.requests[0]?.request.command).toMatchObject({
      $case: "lease",
      value: { networkName: "shared", mac: GUEST, waitMs: 5000 },
    });
    expect(lease).toEqual({
      network: "shared",
      mac: GUEST,
      ip: "10.0.0.7",
      ipv6: ["fd00::7"],
      hostname: "vm",
      expiresUnix: 99,
    });
    await client.close();
  });

  it("caps the wait at ten minutes and rejects with the broker's NOT_FOUND", async () => {
    broker = new FakeBroker(path, (r) =>
      r.reply(
        Reply.fromPartial({
          id: r.request.id,
          result: { $case: "error", value: { code: ErrorCode.ERROR_CODE_NOT_FOUND, message: "no lease" } },
        }),
      ),
    );
    const client = await BrokerClient.connect({ socketPath: path });
    const error = await client
      .waitForLease("shared", GUEST, { timeoutMs: 3_600_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerError);
    expect((error as BrokerError).code).toBe(ErrorCode.ERROR_CODE_NOT_FOUND);
    const command = broker.requests[0]?.request.command;
    expect(command?.$case === "lease" && command.value.waitMs).toBe(600_000);
    await client.close();
  });
});

describe("events", () => {
  it("subscribes on a connection of its own, yields events, and closes it on break", async () => {
    let subscriber: ReceivedRequest | undefined;
    broker = new FakeBroker(path, (r) => {
      if (r.request.command?.$case !== "subscribe") return;
      subscriber = r;
      r.reply(
        Reply.fromPartial({
          id: r.request.id,
          result: { $case: "subscription", value: { nextSequence: 5n } },
        }),
      );
      for (const [sequence, type] of [
        [5n, EventType.EVENT_TYPE_NETWORK_CREATED],
        [6n, EventType.EVENT_TYPE_LEASE_ADDED],
      ] as const) {
        r.reply(
          Reply.fromPartial({
            id: r.request.id,
            result: {
              $case: "event",
              value: {
                sequence,
                timeUnixMs: 1_700_000_000_000n,
                type,
                networkName: "shared",
                ...(sequence === 6n ? { lease: leaseValue } : {}),
              },
            },
          }),
        );
      }
    });
    const client = await BrokerClient.connect({ socketPath: path });
    const stream = await client.events();
    expect(stream.nextSequence).toBe(5n);
    const seen = [];
    for await (const event of stream) {
      seen.push(event);
      if (seen.length === 2) break;
    }
    expect(seen.map((e) => [e.sequence, e.type, e.network])).toEqual([
      [5n, "network-created", "shared"],
      [6n, "lease-added", "shared"],
    ]);
    expect(seen[1]?.lease?.ip).toBe("10.0.0.7");
    expect(seen[0]?.time.getTime()).toBe(1_700_000_000_000);
    expect(subscriber).toBeDefined();
    await eventually(() => broker?.disconnects === 1, "the stream closed");
    expect(client.isClosed).toBe(false);
    await client.close();
  });

  it("rejects with the broker's error, and throws TRANSPORT_FAILURE when the broker drops the stream", async () => {
    broker = new FakeBroker(path, (r) =>
      r.reply(
        Reply.fromPartial({
          id: r.request.id,
          result: { $case: "error", value: { code: ErrorCode.ERROR_CODE_UNSUPPORTED, message: "xpc" } },
        }),
      ),
    );
    const client = await BrokerClient.connect({ socketPath: path });
    expect(((await client.events().catch((e: unknown) => e)) as BrokerError).code).toBe(
      ErrorCode.ERROR_CODE_UNSUPPORTED,
    );
    broker.stop();
    broker = new FakeBroker(`${path}2`, (r) => {
      r.reply(
        Reply.fromPartial({
          id: r.request.id,
          result: { $case: "subscription", value: { nextSequence: 1n } },
        }),
      );
      setTimeout(() => r.hangUp(), 10);
    });
    const other = await BrokerClient.connect({ socketPath: `${path}2` });
    const stream = await other.events();
    const error = await stream.next().catch((e: unknown) => e);
    expect((error as BrokerError).code).toBe(ErrorCode.ERROR_CODE_TRANSPORT_FAILURE);
    await client.close();
    await other.close();
  });
});
