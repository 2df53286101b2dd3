// SPDX-License-Identifier: Apache-2.0
// The addon's vmnet code (native/src/darwin/vmnet_network.cc: options, the
// worker thread, status mapping, CFRelease) under the real vmnet backend, on a
// fake vmnet that hands back what it was given in the serialization.
// Run by run.sh with FAKE_XPC_ADDON set.
import { mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createVmnetBackend } from "../../../packages/broker-daemon/src/backend/vmnet/vmnet-backend.js";
import { vmnetOptionsFor } from "../../../packages/broker-daemon/src/backend/vmnet/vmnet-options.js";
import { BUILTIN_NETWORKS } from "../../../packages/broker-daemon/src/config/builtin.js";
import { loadConfig } from "../../../packages/broker-daemon/src/config/load.js";
import { EXPLICIT_SETTINGS, type NetworkConfig } from "../../../packages/broker-daemon/src/config/network-config.js";
import type { AccountDatabase } from "../../../packages/broker-daemon/src/config/users.js";
import { CreateFailure } from "../../../packages/broker-daemon/src/core/backend.js";
import { Broker } from "../../../packages/broker-daemon/src/core/broker.js";
import { silentLogger } from "../../../packages/broker-daemon/src/log.js";
import type { DarwinNative } from "../../../packages/broker-daemon/src/transport/xpc/darwin-native.js";
import { XpcTransport } from "../../../packages/broker-daemon/src/transport/xpc/xpc-transport.js";
import type { XpcDictionary, XpcValue } from "../../../packages/broker-daemon/src/transport/xpc/xpc-value.js";

interface TestAddon extends DarwinNative {
  roundTrip(value: XpcValue): XpcValue;
  liveVmnetObjects(): number;
  liveObjects(): number;
  connect(service: string, euid: number, egid: number, pid: number): object | null;
  send(peer: object, message: XpcValue): Promise<XpcDictionary>;
  releaseHungVmnet(): void;
}

const addon = createRequire(import.meta.url)(process.env.FAKE_XPC_ADDON as string) as TestAddon;
const shared = BUILTIN_NETWORKS.find((n) => n.name === "shared") as NetworkConfig;
const host = BUILTIN_NETWORKS.find((n) => n.name === "host") as NetworkConfig;
const noAccounts: AccountDatabase = {
  uidOf: () => undefined,
  gidOf: () => undefined,
  userName: () => undefined,
  groupsOf: (_u, gid) => new Set([gid]),
};

/** A configuration directory holding one NAME.json per entry. */
function configDir(files: Record<string, object>): string {
  const dir = mkdtempSync(join(tmpdir(), "vmnet-broker-fake-vmnet-"));
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, `${name}.json`), JSON.stringify(body));
  return dir;
}

/** The fake vmnet's serialization as a plain record of strings. */
function recorded(serialization: unknown): Record<string, string> {
  const value = addon.roundTrip({ type: "object", handle: serialization });
  if (value.type !== "dictionary") throw new Error("serialization is not a dictionary");
  return Object.fromEntries(value.entries.map(([k, v]) => [k, v.type === "string" ? v.value : `?${v.type}`]));
}

describe("vmnet through the addon", () => {
  afterEach(() => {
    expect(addon.liveVmnetObjects()).toBe(0);
  });

  it("creates a built-in network with vmnet's defaults and reports it normalized", async () => {
    const network = await createVmnetBackend({ native: addon }).createNetwork(shared);
    expect(network.info).toEqual({
      subnet: "192.168.64.0",
      mask: "255.255.255.0",
      gateway: "192.168.64.1",
      ipv6Prefix: "fd9b:5a14:ba57::/64",
      mtu: 1500,
      bridge: "",
    });
    expect(recorded(network.serialization)).toMatchObject({ mode: "shared", subnet: "192.168.64.1", calls: "" });
    await network.destroy();
  });

  it("makes only the existing broker's call for the built-in host network: the mode", async () => {
    const network = await createVmnetBackend({ native: addon }).createNetwork(host);
    expect(recorded(network.serialization)).toMatchObject({ mode: "host", subnet: "192.168.128.1", calls: "" });
    await network.destroy();
  });

  it("calls a setter only for a field a file set, even to vmnet's default value", async () => {
    const config = await loadConfig(configDir({ lab: { mode: "host", mtu: 1500, dns: true, nat66: false } }), { accounts: noAccounts });
    const network = await createVmnetBackend({ native: addon }).createNetwork(config.networks.get("lab") as NetworkConfig);
    expect(recorded(network.serialization)).toMatchObject({ mode: "host", calls: "set_mtu,disable_nat66" });
    await network.destroy();
  });

  it("passes every configured setting to vmnet, the subnet as its gateway address", async () => {
    const network = await createVmnetBackend({ native: addon }).createNetwork({
      ...shared,
      explicitSettings: new Set(EXPLICIT_SETTINGS),
      name: "lab",
      subnet: "192.168.105.0",
      mask: "255.255.255.0",
      ipv6Prefix: "fd12:3456:789a::/64",
      mtu: 9000,
      dhcp: false,
      routerAdvertisement: false,
      externalInterface: "en7",
      portForwarding: [
        { protocol: "tcp", externalPort: 2222, internalAddress: "192.168.105.10", internalPort: 22 },
        { protocol: "udp", externalPort: 5353, internalAddress: "192.168.105.11", internalPort: 53 },
      ],
      dhcpReservations: [{ mac: "52:54:00:12:34:56", ip: "192.168.105.10" }],
    });
    expect(recorded(network.serialization)).toEqual({
      mode: "shared",
      subnet: "192.168.105.1",
      mask: "255.255.255.0",
      ipv6: "fd12:3456:789a::/64",
      mtu: "9000",
      disabled: "DR",
      external_interface: "en7",
      rules: "tcp 2222->192.168.105.10:22,udp 5353->192.168.105.11:53",
      reservations: "52:54:00:12:34:56=192.168.105.10",
      calls:
        "set_ipv4_subnet,set_ipv6_prefix,set_mtu,set_external_interface,disable_dhcp,disable_router_advertisement," +
        "add_port_forwarding_rule,add_port_forwarding_rule,add_dhcp_reservation",
    });
    expect(network.info.subnet).toBe("192.168.105.0");
    expect(network.info.gateway).toBe("192.168.105.1");
    await network.destroy();
  });

  it("explains SHARING_SERVICE_BUSY as Internet Sharing, and leaks nothing", async () => {
    const failure = createVmnetBackend({ native: addon }).createNetwork({ ...shared, subnet: "192.168.2.0", mask: "255.255.255.0" });
    await expect(failure).rejects.toBeInstanceOf(CreateFailure);
    await expect(failure).rejects.toThrow(/vmnet_network_create failed: VMNET_SHARING_SERVICE_BUSY \(1009\).*Internet Sharing/);
  });

  it("names the vmnet call that refused a setting", async () => {
    const backend = createVmnetBackend({ native: addon });
    await expect(backend.createNetwork({ ...shared, subnet: "10.0.0.0", mask: "255.255.255.0" })).rejects.toThrow(
      /vmnet_network_configuration_set_ipv4_subnet failed: VMNET_INVALID_ARGUMENT \(1003\)/,
    );
    await expect(backend.createNetwork({ ...shared, mtu: 65000, explicitSettings: new Set(["mtu"]) })).rejects.toThrow(
      /vmnet_network_configuration_set_mtu failed/,
    );
  });

  it("refuses bad options synchronously, before reaching vmnet", async () => {
    const options = { ...vmnetOptionsFor(shared), mode: "bridged" as "shared" };
    expect(() => addon.vmnetCreateNetwork(options)).toThrow(TypeError);
    expect(() => addon.vmnetCreateNetwork(options)).toThrow(/options\.mode must be "shared" or "host"/);
    // The backend turns that into a CreateFailure like any other.
    const backend = createVmnetBackend({ native: { ...addon, vmnetCreateNetwork: () => addon.vmnetCreateNetwork(options) } });
    await expect(backend.createNetwork(shared)).rejects.toBeInstanceOf(CreateFailure);
  });

  it("serves an acquire end to end: listener, transport, core, backend, vmnet", async () => {
    const accounts: AccountDatabase = {
      uidOf: () => undefined,
      gidOf: () => undefined,
      userName: () => undefined,
      groupsOf: (_u, gid) => new Set([gid]),
    };
    const broker = new Broker({
      backend: createVmnetBackend({ native: addon }),
      config: await loadConfig("/nonexistent-config-dir", { accounts }),
      accounts,
      logger: silentLogger,
      version: "test",
      idleDelayMs: 60_000,
    });
    const service = "com.example.vmnet-broker.vmnet-test";
    const transport = XpcTransport.listen(broker, { serviceName: service, native: addon });
    try {
      const peer = addon.connect(service, 501, 20, 1) as object;
      const reply = await addon.send(peer, {
        type: "dictionary",
        entries: [
          ["command", { type: "string", value: "acquire" }],
          ["network_name", { type: "string", value: "shared" }],
        ],
      });
      const network = reply.entries.find(([k]) => k === "network")?.[1];
      expect(network?.type).toBe("dictionary");
      const fields = network?.type === "dictionary" ? Object.fromEntries(network.entries) : {};
      expect(fields.subnet).toEqual({ type: "string", value: "192.168.64.1" });
    } finally {
      transport.close();
      await broker.shutdown();
    }
  });
  it("answers CREATE_FAILURE for a creation that hangs, without blocking other peers or status", async () => {
    const dir = configDir({ stuck: { mode: "shared", subnet: "192.168.99.0", mask: "255.255.255.0" } });
    const broker = new Broker({
      backend: createVmnetBackend({ native: addon, createTimeoutMs: 300 }),
      config: await loadConfig(dir, { accounts: noAccounts }),
      accounts: noAccounts,
      logger: silentLogger,
      version: "test",
      idleDelayMs: 60_000,
    });
    const service = "com.example.vmnet-broker.hang-test";
    const transport = XpcTransport.listen(broker, { serviceName: service, native: addon });
    const acquire = (name: string): XpcValue => ({
      type: "dictionary",
      entries: [
        ["command", { type: "string", value: "acquire" }],
        ["network_name", { type: "string", value: name }],
      ],
    });
    try {
      const stuckPeer = addon.connect(service, 501, 20, 1) as object;
      const otherPeer = addon.connect(service, 502, 20, 2) as object;
      const stuck = addon.send(stuckPeer, acquire("stuck"));
      // While vmnet hangs, another peer gets its network and status answers.
      const other = await addon.send(otherPeer, acquire("shared"));
      expect(other.entries.map(([k]) => k)).toEqual(["network"]);
      expect((await broker.status()).networks.find((n) => n.network?.name === "stuck")).toBeDefined();
      const answer = await stuck;
      expect(answer.entries).toEqual([["error", { type: "int64", value: 6n }]]);
      // The stuck peer's queue is free again.
      expect((await addon.send(stuckPeer, acquire("shared"))).entries.map(([k]) => k)).toEqual(["network"]);
    } finally {
      addon.releaseHungVmnet();
      await new Promise((resolve) => setTimeout(resolve, 50));
      transport.close();
      await broker.shutdown();
    }
  });
});
