// SPDX-License-Identifier: Apache-2.0
// packages/client-c's macOS sessions against the real broker on the fake
// libxpc: the real XPC listener, XpcTransport, core and vmnet backend (only
// vmnet is a double, and bootpd's lease file is a temporary one). A session
// subscribes and sees a network created and a guest's lease, in order; another
// waits for that lease, and for one that never comes. Run by run.sh.
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVmnetBackend } from "../../../packages/broker-daemon/src/backend/vmnet/vmnet-backend.js";
import { loadConfig } from "../../../packages/broker-daemon/src/config/load.js";
import type { AccountDatabase } from "../../../packages/broker-daemon/src/config/users.js";
import { Broker } from "../../../packages/broker-daemon/src/core/broker.js";
import { silentLogger } from "../../../packages/broker-daemon/src/log.js";
import type {
  VmnetCreated,
  VmnetNative,
  VmnetNetworkHandle,
  XpcNative,
} from "../../../packages/broker-daemon/src/transport/xpc/darwin-native.js";
import { XpcTransport } from "../../../packages/broker-daemon/src/transport/xpc/xpc-transport.js";
import type { XpcDictionary, XpcValue } from "../../../packages/broker-daemon/src/transport/xpc/xpc-value.js";

interface Outcome {
  result: number;
  status: number;
  error: string;
}
interface TestAddon extends XpcNative {
  wrap(value: XpcValue): unknown;
  connect(service: string, euid: number, egid: number, pid: number): object | null;
  send(peer: object, message: XpcValue): Promise<XpcDictionary>;
  clientConnect(service: string): object | null;
  clientClose(session: object): void;
  clientWaitForLease(session: object, network: string, mac: string, waitMs: number): Promise<Outcome & { ip?: string; mac?: string }>;
  clientSubscribe(session: object): Promise<Outcome & { nextSequence: number }>;
  clientReadEvent(
    session: object,
    timeoutMs: number,
  ): Promise<Outcome & { sequence?: number; type?: string; network?: string; leaseIp?: string }>;
}

const addon = createRequire(import.meta.url)(process.env.FAKE_XPC_ADDON as string) as TestAddon;
const SERVICE = "com.example.vmnet-broker.client-c-broker";
const accounts: AccountDatabase = {
  uidOf: () => undefined,
  gidOf: () => undefined,
  userName: () => undefined,
  groupsOf: (_u, gid) => new Set([gid]),
};
const str = (value: string): XpcValue => ({ type: "string", value });
const dict = (record: Record<string, XpcValue>): XpcDictionary => ({ type: "dictionary", entries: Object.entries(record) });

/** vmnet stand-in: every network on 192.168.64.0/24, with an XPC serialization. */
class Vmnet implements VmnetNative {
  async vmnetCreateNetwork(): Promise<VmnetCreated> {
    return {
      network: {} as VmnetNetworkHandle,
      serialization: addon.wrap(dict({ mode: str("shared") })),
      subnet: "192.168.64.1",
      mask: "255.255.255.0",
      ipv6Prefix: "fd00::",
      ipv6PrefixLength: 64,
    };
  }
  vmnetReleaseNetwork(): void {}
}

describe("the C client's macOS sessions against the real broker", () => {
  let dir: string;
  let broker: Broker;
  let transport: XpcTransport;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "client-c-broker-"));
    broker = new Broker({
      backend: createVmnetBackend({ native: new Vmnet(), leaseFile: join(dir, "dhcpd_leases") }),
      config: await loadConfig("/nonexistent-config-dir", { accounts }),
      accounts,
      logger: silentLogger,
      version: "test",
      idleDelayMs: 60_000,
    });
    transport = XpcTransport.listen(broker, { serviceName: SERVICE, native: addon });
  });
  afterAll(async () => {
    transport.close();
    await broker.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it("streams a network's creation and a guest's lease in order, and answers lease waits", async () => {
    const events = addon.clientConnect(SERVICE) as object;
    const subscribed = await addon.clientSubscribe(events);
    expect(subscribed).toMatchObject({ result: 0, status: 0 });

    // A VM acquires shared on a connection of its own: the network is created.
    const vm = addon.connect(SERVICE, 0, 0, 4242) as object;
    await addon.send(vm, dict({ command: str("acquire"), network_name: str("shared") }));
    // Then bootpd writes the guest's lease.
    copyFileSync(
      join(import.meta.dirname, "../../../packages/broker-daemon/src/backend/vmnet/testdata/dhcpd_leases"),
      join(dir, "dhcpd_leases"),
    );

    const seen: { sequence?: number; type?: string; network?: string; leaseIp?: string }[] = [];
    while (!seen.some((e) => e.type === "lease-added" && e.leaseIp === "192.168.64.2")) {
      const next = await addon.clientReadEvent(events, 10_000);
      expect(next, JSON.stringify(seen)).toMatchObject({ result: 1, status: 0 });
      seen.push(next);
    }
    const types = seen.map((e) => e.type);
    expect(types.indexOf("network-created")).toBeGreaterThanOrEqual(0);
    expect(types.indexOf("network-created")).toBeLessThan(types.indexOf("lease-added"));
    expect(seen.find((e) => e.type === "network-created")?.network).toBe("shared");
    const sequences = seen.map((e) => e.sequence ?? 0);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    expect(sequences[0]).toBeGreaterThanOrEqual(subscribed.nextSequence);

    const lookups = addon.clientConnect(SERVICE) as object;
    expect(await addon.clientWaitForLease(lookups, "shared", "52:54:00:12:34:56", 1000)).toMatchObject({
      result: 0,
      ip: "192.168.64.2",
      mac: "52:54:00:12:34:56",
    });
    const none = await addon.clientWaitForLease(lookups, "shared", "52:54:00:00:00:99", 100);
    expect(none).toMatchObject({ result: -1, status: 5 });
    addon.clientClose(lookups);
    addon.clientClose(events);
  });
});
