// SPDX-License-Identifier: Apache-2.0
// packages/client-c's macOS half (src/darwin/client.c) against a scripted
// listener on the fake libxpc: what the C client, and so the Go and Swift
// clients built on it, make of each reply. Run by run.sh with FAKE_XPC_ADDON set.
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { XpcListener, XpcNative } from "../../../packages/broker-daemon/src/transport/xpc/darwin-native.js";
import type { XpcDictionary, XpcValue } from "../../../packages/broker-daemon/src/transport/xpc/xpc-value.js";

interface TestAddon extends XpcNative {
  clientAcquire(name: string): Promise<{ status: number; network: string | null }>;
}

const addon = createRequire(import.meta.url)(process.env.FAKE_XPC_ADDON as string) as TestAddon;
/** MACH_SERVICE_NAME in vmnet-broker.h: the C client always connects there. */
const SERVICE = "com.github.nirs.vmnet-broker";

/** The reply the listener sends to an acquire of each name. */
const replies: Record<string, XpcDictionary> = {
  dictionary: { type: "dictionary", entries: [["network", { type: "dictionary", entries: [["k", { type: "string", value: "v" }]] }]] },
  data: { type: "dictionary", entries: [["network", { type: "data", value: new Uint8Array([1, 2, 3]) }]] },
  failed: { type: "dictionary", entries: [["error", { type: "int64", value: 6n }]] },
  empty: { type: "dictionary", entries: [] },
};

describe("the C client on macOS", () => {
  let listener: XpcListener;
  beforeAll(() => {
    listener = addon.xpcListen(SERVICE, (event) => {
      if (event.type !== "message" || event.reply === null || event.message.type !== "dictionary") return;
      const name = event.message.entries.find(([k]) => k === "network_name")?.[1] as XpcValue | undefined;
      addon.xpcReply(event.reply, replies[name?.type === "string" ? name.value : ""] ?? replies.empty!);
    });
  });
  afterAll(() => listener.close());

  it("passes a serialization through whatever its XPC type", async () => {
    expect(await addon.clientAcquire("dictionary")).toEqual({ status: 0, network: "dictionary" });
    expect(await addon.clientAcquire("data")).toEqual({ status: 0, network: "data" });
  });

  it("returns the broker's code, or INVALID_REPLY for a reply with neither key", async () => {
    expect(await addon.clientAcquire("failed")).toEqual({ status: 6, network: null });
    expect(await addon.clientAcquire("empty")).toEqual({ status: 2, network: null });
  });
});
