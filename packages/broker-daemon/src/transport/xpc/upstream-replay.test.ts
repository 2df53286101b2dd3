// SPDX-License-Identifier: Apache-2.0
// The existing clients (nirs/vmnet-broker's C client, and its Go and Swift
// wrappers over it) send exactly {command: "acquire", network_name: <string>}
// and understand only codes 0-7. Their requests, replayed byte for byte as XPC
// dictionaries, get the existing broker's answers; codes 8 and 9 stay on the
// protobuf `request` command.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ErrorCode, Reply, Request } from "@vmnet-broker/client/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createVmnetBackend } from "../../backend/vmnet/vmnet-backend.js";
import { loadConfig } from "../../config/load.js";
import type { AccountDatabase } from "../../config/users.js";
import { Broker } from "../../core/broker.js";
import { silentLogger } from "../../log.js";
import { VmnetNativeDouble, XpcNativeDouble } from "./native-double.test-util.js";
import { XpcTransport } from "./xpc-transport.js";
import { type XpcDictionary, type XpcValue, xpcData, xpcDictionary, xpcGet, xpcString } from "./xpc-value.js";

const accounts: AccountDatabase = {
  uidOf: () => undefined,
  gidOf: () => undefined,
  userName: () => undefined,
  groupsOf: (_uid, gid) => new Set([gid]),
};

/** What vmnet_broker_acquire_network sends: two xpc_dictionary_set_string calls. */
const upstreamAcquire = (name: string) => xpcDictionary({ command: xpcString("acquire"), network_name: xpcString(name) });

/** The reply as the existing client reads it: its keys, and `error` as an int64. */
function shape(body: XpcDictionary): { keys: string[]; error?: bigint } {
  const error = xpcGet(body, "error");
  return { keys: body.entries.map(([k]) => k), ...(error?.type === "int64" ? { error: error.value } : {}) };
}

describe("the existing clients' requests", () => {
  let dir: string;
  let xpc: XpcNativeDouble;
  let broker: Broker;
  let transport: XpcTransport;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "vmnet-broker-replay-"));
    for (let i = 1; i <= 9; i++) writeFileSync(join(dir, `net${i}.json`), JSON.stringify({ mode: "shared" }));
    xpc = new XpcNativeDouble();
    broker = new Broker({
      backend: createVmnetBackend({ native: new VmnetNativeDouble() }),
      config: await loadConfig(dir, accounts),
      accounts,
      logger: silentLogger,
      version: "test",
      idleDelayMs: 60_000,
    });
    transport = XpcTransport.listen(broker, { native: xpc });
    xpc.connect(1);
  });

  afterEach(async () => {
    transport.close();
    await broker.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it("gets the network alone, and the existing codes for the existing edge cases", async () => {
    expect(shape(await xpc.send(1, upstreamAcquire("shared")))).toEqual({ keys: ["network"] });
    expect(shape(await xpc.send(1, upstreamAcquire("nope")))).toEqual({ keys: ["error"], error: 5n });
    expect(shape(await xpc.send(1, upstreamAcquire("")))).toEqual({ keys: ["error"], error: 5n });
    expect(shape(await xpc.send(1, xpcDictionary({ command: xpcString("acquire") })))).toEqual({ keys: ["error"], error: 4n });
    expect(shape(await xpc.send(1, xpcDictionary({ network_name: xpcString("shared") })))).toEqual({ keys: ["error"], error: 4n });
    expect(shape(await xpc.send(1, xpcDictionary({ command: xpcString("release"), network_name: xpcString("shared") })))).toEqual({
      keys: ["error"],
      error: 4n,
    });
  });

  it("answers a 9th distinct network with INTERNAL_ERROR (7), never LIMIT_EXCEEDED", async () => {
    for (let i = 1; i <= 8; i++) expect(shape(await xpc.send(1, upstreamAcquire(`net${i}`)))).toEqual({ keys: ["network"] });
    expect(shape(await xpc.send(1, upstreamAcquire("net9")))).toEqual({ keys: ["error"], error: 7n });
    // A network it already holds does not count twice.
    expect(shape(await xpc.send(1, upstreamAcquire("net3")))).toEqual({ keys: ["network"] });
  });

  it("keeps LIMIT_EXCEEDED (8) for the protobuf request command", async () => {
    for (let i = 1; i <= 8; i++) await xpc.send(1, upstreamAcquire(`net${i}`));
    const request = Request.encode({ id: 7, command: { $case: "acquire", value: { networkName: "net9" } } }).finish();
    const body = await xpc.send(1, xpcDictionary({ command: xpcString("request"), request: xpcData(request) }));
    const data = xpcGet(body, "reply") as XpcValue;
    const reply = data.type === "data" ? Reply.decode(data.value) : undefined;
    expect(reply?.result).toMatchObject({ $case: "error", value: { code: ErrorCode.ERROR_CODE_LIMIT_EXCEEDED } });
  });
});
