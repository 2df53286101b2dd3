// SPDX-License-Identifier: Apache-2.0
// The CLI's XPC client against the real transport and core (native doubles).

import { join } from "node:path";
import { ErrorCode } from "@vmnet-broker/client/protocol";
import { describe, expect, it } from "vitest";
import { createVmnetBackend } from "../../backend/vmnet/vmnet-backend.js";
import { builtinConfig } from "../../config/load.js";
import type { AccountDatabase } from "../../config/users.js";
import { Broker } from "../../core/broker.js";
import { silentLogger } from "../../log.js";
import type { XpcClientNative } from "./darwin-native.js";
import { VmnetNativeDouble, XpcNativeDouble } from "./native-double.test-util.js";
import { replyFromMessage, XpcClientError, xpcLease, xpcRequest } from "./xpc-client.js";
import { XpcTransport } from "./xpc-transport.js";
import { xpcDictionary, xpcInt64, xpcString } from "./xpc-value.js";

const accounts: AccountDatabase = {
  uidOf: () => undefined,
  gidOf: () => undefined,
  userName: () => undefined,
  groupsOf: (_u, gid) => new Set([gid]),
};

describe("xpc client", () => {
  it("reads the broker's status through the transport", async () => {
    const xpc = new XpcNativeDouble();
    const broker = new Broker({
      backend: createVmnetBackend({ native: new VmnetNativeDouble() }),
      config: builtinConfig(),
      accounts,
      logger: silentLogger,
      version: "9.9.9",
    });
    const transport = XpcTransport.listen(broker, { native: xpc });
    let peer = 100;
    // Each call is one short-lived connection, like the native client's.
    const client: XpcClientNative = {
      async xpcSendRequest(service, message) {
        expect(service).toBe("com.example.test");
        const id = peer++;
        xpc.connect(id, 0, 0, 1);
        const reply = await xpc.send(id, message);
        xpc.disconnect(id);
        return reply;
      },
    };
    xpc.connect(1);
    await xpc.send(1, xpcDictionary({ command: xpcString("acquire"), network_name: xpcString("shared") }));
    const reply = await xpcRequest(client, "com.example.test", { id: 1, command: { $case: "status", value: {} } });
    expect(reply.result?.$case).toBe("status");
    const status = reply.result?.$case === "status" ? reply.result.value : undefined;
    expect(status?.brokerVersion).toBe("9.9.9");
    // The asking connection (uid 0) is not listed.
    expect(status?.peers.map((p) => p.uid)).toEqual([501]);
    transport.close();
    await broker.shutdown();
  });

  it("looks a guest's lease up in bootpd's file, through the transport", async () => {
    const xpc = new XpcNativeDouble();
    const leaseFile = join(import.meta.dirname, "../../backend/vmnet/testdata/dhcpd_leases");
    const broker = new Broker({
      backend: createVmnetBackend({ native: new VmnetNativeDouble(), leaseFile }),
      config: builtinConfig(),
      accounts,
      logger: silentLogger,
      version: "9.9.9",
    });
    const transport = XpcTransport.listen(broker, { native: xpc });
    const client: XpcClientNative = {
      async xpcSendRequest(_service, message) {
        xpc.connect(200, 0, 0, 1);
        const reply = await xpc.send(200, message);
        xpc.disconnect(200);
        return reply;
      },
    };
    xpc.connect(1);
    await xpc.send(1, xpcDictionary({ command: xpcString("acquire"), network_name: xpcString("shared") }));
    // The wait covers the network's first read of the file.
    const lease = await xpcLease("shared", "52:54:00:12:34:56", 5_000, "com.example.test", client);
    expect(lease).toMatchObject({ ip: "192.168.64.2", networkName: "shared" });
    transport.close();
    await broker.shutdown();
  });

  it("turns XPC failures into TRANSPORT_FAILURE and odd replies into INVALID_REPLY", async () => {
    const failing: XpcClientNative = {
      xpcSendRequest: () => Promise.reject(new Error("XPC_ERROR_CONNECTION_INVALID (is the broker installed?)")),
    };
    await expect(xpcRequest(failing, "x", { id: 1, command: undefined })).rejects.toMatchObject({
      code: ErrorCode.ERROR_CODE_TRANSPORT_FAILURE,
    });
    expect(() => replyFromMessage(xpcDictionary({}))).toThrow(XpcClientError);
    expect(() => replyFromMessage(xpcString("x"))).toThrow(/not a dictionary/);
    expect(() => replyFromMessage(xpcDictionary({ error: xpcInt64(4) }))).toThrow(expect.objectContaining({ code: 4 }));
  });
});
