// SPDX-License-Identifier: Apache-2.0
// packages/client-c's macOS sessions (src/darwin/session.c, leases_events.c)
// against a scripted listener on the fake libxpc: lease look-ups sent as
// {command: "request", request: <data>}, and a subscription whose events the
// listener pushes as {reply: <data>} on the peer's connection, read through
// the session's fd. Run by run.sh with FAKE_XPC_ADDON set.
import { createRequire } from "node:module";
import { ErrorCode, EventType, Reply, Request } from "@vmnet-broker/client/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { XpcListener, XpcNative } from "../../../packages/broker-daemon/src/transport/xpc/darwin-native.js";
import type { XpcDictionary, XpcValue } from "../../../packages/broker-daemon/src/transport/xpc/xpc-value.js";

interface Outcome {
  result: number;
  status: number;
  error: string;
}
interface LeaseOutcome extends Outcome {
  network?: string;
  mac?: string;
  ip?: string;
  hostname?: string;
  expires?: number;
  ipv6?: string;
}
interface EventOutcome extends Outcome {
  polled: number;
  sequence?: number;
  type?: string;
  network?: string;
  leaseIp?: string;
}
interface TestAddon extends XpcNative {
  liveObjects(): number;
  clientConnect(service: string): object | null;
  clientClose(session: object): void;
  clientWaitForLease(session: object, network: string, mac: string, waitMs: number): Promise<LeaseOutcome>;
  clientSubscribe(session: object): Promise<Outcome & { nextSequence: number }>;
  clientReadEvent(session: object, timeoutMs: number): Promise<EventOutcome>;
}

const addon = createRequire(import.meta.url)(process.env.FAKE_XPC_ADDON as string) as TestAddon;
const SERVICE = "com.example.vmnet-broker.client-c-sessions";
const GUEST = "52:54:00:00:00:01";

const data = (value: Uint8Array): XpcValue => ({ type: "data", value });
const dict = (record: Record<string, XpcValue>): XpcDictionary => ({ type: "dictionary", entries: Object.entries(record) });
const get = (d: XpcDictionary, key: string) => d.entries.find(([k]) => k === key)?.[1];
const pushedReply = (reply: Parameters<typeof Reply.fromPartial>[0]): XpcDictionary =>
  dict({ reply: data(Reply.encode(Reply.fromPartial(reply)).finish()) });
const event = (id: number, sequence: number, type: EventType, lease?: { ip: string }) =>
  pushedReply({
    id,
    result: {
      $case: "event",
      value: {
        sequence: BigInt(sequence),
        timeUnixMs: 1_700_000_000_000n,
        type,
        networkName: "shared",
        lease: lease && { mac: GUEST, ip: lease.ip, networkName: "shared" },
      },
    },
  });

async function until(condition: () => boolean, what: string): Promise<void> {
  // Events cross threads: poll with a safety limit, never assert on time.
  for (let i = 0; i < 500; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("the C client's macOS sessions", () => {
  let listener: XpcListener;
  const requests: Request[] = [];
  const disconnects: number[] = [];
  /** What the listener pushes after answering the next subscribe (given the request id). */
  let afterSubscribe: (id: number) => XpcDictionary[] = () => [];
  let baseline = 0;
  let subscriber = 0;

  beforeAll(() => {
    listener = addon.xpcListen(SERVICE, (e) => {
      if (e.type === "disconnect") disconnects.push(e.peer);
      if (e.type !== "message" || e.reply === null || e.message.type !== "dictionary") return;
      const command = get(e.message, "command");
      const body = get(e.message, "request");
      if (command?.type !== "string" || command.value !== "request" || body?.type !== "data") {
        addon.xpcReply(e.reply, dict({ error: { type: "int64", value: 4n } }));
        return;
      }
      const req = Request.decode(body.value);
      requests.push(req);
      const cmd = req.command;
      if (cmd?.$case === "lease") {
        const found = cmd.value.mac === GUEST;
        addon.xpcReply(
          e.reply,
          pushedReply(
            found
              ? {
                  id: req.id,
                  result: {
                    $case: "lease",
                    value: {
                      mac: GUEST,
                      ip: "192.168.64.5",
                      hostname: "guest",
                      expiresUnix: 1_700_000_000n,
                      ipv6: ["fd00::5"],
                      networkName: cmd.value.networkName,
                    },
                  },
                }
              : {
                  id: req.id,
                  result: { $case: "error", value: { code: ErrorCode.ERROR_CODE_NOT_FOUND, message: `no lease for ${cmd.value.mac}` } },
                },
          ),
        );
      } else if (cmd?.$case === "subscribe") {
        subscriber = e.peer;
        addon.xpcReply(e.reply, pushedReply({ id: req.id, result: { $case: "subscription", value: { nextSequence: 7n } } }));
        for (const message of afterSubscribe(req.id)) listener.push(e.peer, message, 64);
      } else {
        addon.xpcReply(e.reply, pushedReply({ id: req.id, result: { $case: "error", value: { code: 9, message: "scripted" } } }));
      }
    });
    baseline = addon.liveObjects();
  });
  afterAll(() => listener.close());

  it("waits for a lease and gets it, over {command: request}", async () => {
    const session = addon.clientConnect(SERVICE) as object;
    const lease = await addon.clientWaitForLease(session, "shared", GUEST, 1000);
    expect(lease).toMatchObject({ result: 0, status: 0, network: "shared", mac: GUEST, ip: "192.168.64.5" });
    expect(lease).toMatchObject({ hostname: "guest", expires: 1_700_000_000, ipv6: "fd00::5" });
    const sent = requests.at(-1);
    expect(sent?.command).toEqual({ $case: "lease", value: expect.objectContaining({ networkName: "shared", mac: GUEST, waitMs: 1000 }) });
    addon.clientClose(session);
  });

  it("reports NOT_FOUND with the broker's message, and the session goes on", async () => {
    const session = addon.clientConnect(SERVICE) as object;
    const missing = await addon.clientWaitForLease(session, "shared", "52:54:00:00:00:02", 50);
    expect(missing).toMatchObject({ result: -1, status: 5 });
    expect(missing.error).toContain("no lease for 52:54:00:00:00:02");
    expect(await addon.clientWaitForLease(session, "shared", GUEST, 0)).toMatchObject({ result: 0, ip: "192.168.64.5" });
    addon.clientClose(session);
  });

  it("reads two pushed events in order through the fd, then nothing", async () => {
    afterSubscribe = (id) => [
      event(id, 7, EventType.EVENT_TYPE_NETWORK_CREATED),
      event(id, 8, EventType.EVENT_TYPE_LEASE_ADDED, { ip: "192.168.64.9" }),
    ];
    const session = addon.clientConnect(SERVICE) as object;
    expect(await addon.clientSubscribe(session)).toMatchObject({ result: 0, status: 0, nextSequence: 7 });
    const first = await addon.clientReadEvent(session, 5000);
    expect(first).toMatchObject({ result: 1, polled: 1, sequence: 7, type: "network-created", network: "shared", leaseIp: "" });
    const second = await addon.clientReadEvent(session, 5000);
    expect(second).toMatchObject({ result: 1, polled: 1, sequence: 8, type: "lease-added", leaseIp: "192.168.64.9" });
    // The fd is not readable once the queue is empty: the read finds nothing.
    expect(await addon.clientReadEvent(session, 50)).toMatchObject({ result: 0, polled: 0, status: 0 });
    // The session is a stream now; other requests are refused without reaching the broker.
    const sentBefore = requests.length;
    expect(await addon.clientWaitForLease(session, "shared", GUEST, 0)).toMatchObject({ result: -1, status: 4 });
    expect(requests.length).toBe(sentBefore);
    addon.clientClose(session);
  });

  it("ends the stream with a clear error on a malformed pushed message, after the events before it", async () => {
    afterSubscribe = (id) => [
      event(id, 7, EventType.EVENT_TYPE_NETWORK_CREATED),
      dict({ reply: data(Uint8Array.of(0xff, 0xff, 0xff)) }),
      event(id, 9, EventType.EVENT_TYPE_NETWORK_REMOVED),
    ];
    const session = addon.clientConnect(SERVICE) as object;
    expect(await addon.clientSubscribe(session)).toMatchObject({ result: 0 });
    const peer = subscriber;
    expect(await addon.clientReadEvent(session, 5000)).toMatchObject({ result: 1, sequence: 7 });
    const bad = await addon.clientReadEvent(session, 5000);
    expect(bad).toMatchObject({ result: -1, status: 2, polled: 1 });
    expect(bad.error).toMatch(/does not decode as vmnet_broker\.v1\.Reply/);
    // The end stays: nothing after the bad message is delivered.
    expect(await addon.clientReadEvent(session, 50)).toMatchObject({ result: -1, status: 2, polled: 1 });
    // The client closed its connection, so the broker would release what it held.
    await until(() => disconnects.includes(peer), "the client's disconnect");
    addon.clientClose(session);
  });

  it("ends the stream on a pushed message without reply data, and on an event of another request", async () => {
    afterSubscribe = () => [dict({ network: { type: "string", value: "not an event" } })];
    const a = addon.clientConnect(SERVICE) as object;
    expect(await addon.clientSubscribe(a)).toMatchObject({ result: 0 });
    const noData = await addon.clientReadEvent(a, 5000);
    expect(noData).toMatchObject({ result: -1, status: 2 });
    expect(noData.error).toContain("without reply data");
    addon.clientClose(a);

    afterSubscribe = (id) => [event(id + 1, 7, EventType.EVENT_TYPE_NETWORK_CREATED)];
    const b = addon.clientConnect(SERVICE) as object;
    expect(await addon.clientSubscribe(b)).toMatchObject({ result: 0 });
    const wrongId = await addon.clientReadEvent(b, 5000);
    expect(wrongId).toMatchObject({ result: -1, status: 2 });
    expect(wrongId.error).toMatch(/does not match request id/);
    addon.clientClose(b);
  });

  it("keeps at most 1 MiB of events unread, then ends the stream as the broker drops a slow reader", async () => {
    // Each event carries about 84 KB (IPv6 addresses past the fourth are left out, not an error).
    const ipv6 = Array.from({ length: 2000 }, (_, i) => `fd00:0000:0000:0000:0000:0000:0000:${i.toString(16).padStart(4, "0")}`);
    afterSubscribe = (id) =>
      Array.from({ length: 20 }, (_, i) =>
        pushedReply({
          id,
          result: {
            $case: "event",
            value: {
              sequence: BigInt(7 + i),
              type: EventType.EVENT_TYPE_LEASE_RENEWED,
              networkName: "shared",
              lease: { mac: GUEST, ip: "192.168.64.5", ipv6, networkName: "shared" },
            },
          },
        }),
      );
    const session = addon.clientConnect(SERVICE) as object;
    expect(await addon.clientSubscribe(session)).toMatchObject({ result: 0 });
    // Nothing is read until the client gave up on the stream.
    const peer = subscriber;
    await until(() => disconnects.includes(peer), "the client's disconnect");
    const read: EventOutcome[] = [];
    for (let i = 0; i < 21; i++) {
      const outcome = await addon.clientReadEvent(session, 5000);
      read.push(outcome);
      if (outcome.result !== 1) break;
    }
    const events = read.filter((r) => r.result === 1);
    expect(events.length).toBeGreaterThan(5);
    expect(events.length).toBeLessThan(20);
    expect(events.map((r) => r.sequence)).toEqual(events.map((_, i) => 7 + i));
    expect(read.at(-1)).toMatchObject({ result: -1, status: 1 });
    expect(read.at(-1)?.error).toMatch(/more than 1048576 bytes of events unread/);
    addon.clientClose(session);
  });

  it("ends the stream with XPC_FAILURE when the broker drops the connection", async () => {
    afterSubscribe = (id) => [event(id, 7, EventType.EVENT_TYPE_NETWORK_CREATED)];
    const session = addon.clientConnect(SERVICE) as object;
    expect(await addon.clientSubscribe(session)).toMatchObject({ result: 0 });
    expect(await addon.clientReadEvent(session, 5000)).toMatchObject({ result: 1, sequence: 7 });
    listener.dropPeer(subscriber);
    const end = await addon.clientReadEvent(session, 5000);
    expect(end).toMatchObject({ result: -1, status: 1, polled: 1 });
    expect(end.error).toMatch(/connection to the broker is closed/);
    addon.clientClose(session);
  });

  it("fails with XPC_FAILURE when nobody serves the Mach service", async () => {
    const session = addon.clientConnect("com.example.vmnet-broker.nobody") as object;
    const outcome = await addon.clientWaitForLease(session, "shared", GUEST, 0);
    expect(outcome).toMatchObject({ result: -1, status: 1 });
    expect(outcome.error).toMatch(/no connection to the broker/);
    addon.clientClose(session);
  });

  it("leaves no XPC object behind once its sessions are closed", async () => {
    await until(() => addon.liveObjects() <= baseline, `live XPC objects back to ${baseline} (now ${addon.liveObjects()})`);
  });
});
