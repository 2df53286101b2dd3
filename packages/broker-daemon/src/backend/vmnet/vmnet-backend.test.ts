// SPDX-License-Identifier: Apache-2.0
// The vmnet backend over a vmnet test double (unit test; the real calls are in
// native/src/darwin and checked by tools/darwin-check.sh).
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { BUILTIN_NETWORKS } from "../../config/builtin.js";
import type { NetworkConfig } from "../../config/network-config.js";
import { CreateFailure } from "../../core/backend.js";
import { silentLogger } from "../../log.js";
import { VmnetNativeDouble } from "../../transport/xpc/native-double.test-util.js";
import { launchedByLaunchd, xpcEventHandler } from "./darwin-platform.js";
import { createVmnetBackend } from "./vmnet-backend.js";

const shared = BUILTIN_NETWORKS.find((n) => n.name === "shared") as NetworkConfig;

describe("vmnet backend", () => {
  it("reports the network address and the .1 gateway of what vmnet chose", async () => {
    const vmnet = new VmnetNativeDouble();
    const network = await createVmnetBackend({ native: vmnet }).createNetwork(shared);
    expect(network.info).toEqual({
      subnet: "192.168.64.0",
      mask: "255.255.255.0",
      gateway: "192.168.64.1",
      ipv6Prefix: "fd00:1234::/64",
      mtu: 1500,
      bridge: "",
    });
    expect(network.serialization).toEqual({ serializationOf: 1 });
    expect(network.openTap).toBeUndefined();
    expect(network.openVeth).toBeUndefined();
  });

  it("reads its leases from bootpd's file: those in its subnet, and follows the file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bootpd-"));
    const leaseFile = join(dir, "dhcpd_leases");
    try {
      const network = await createVmnetBackend({ native: new VmnetNativeDouble(), leaseFile }).createNetwork(shared);
      expect(await network.leases()).toEqual([]);
      let changes = 0;
      const unwatch = network.watchLeases?.(() => changes++);
      copyFileSync(join(import.meta.dirname, "testdata/dhcpd_leases"), leaseFile);
      await vi.waitFor(() => expect(changes).toBeGreaterThan(0));
      unwatch?.();
      // 192.168.65.2 is another vmnet network's guest.
      expect((await network.leases()).map((l) => l.ip)).toEqual(["192.168.64.2", "192.168.64.3", "192.168.64.4"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("releases the vmnet network exactly once on destroy", async () => {
    const vmnet = new VmnetNativeDouble();
    const network = await createVmnetBackend({ native: vmnet }).createNetwork({
      ...shared,
      subnet: "192.168.105.0",
      mask: "255.255.255.0",
    });
    expect(network.info.subnet).toBe("192.168.105.0");
    expect(vmnet.live).toBe(1);
    await network.destroy();
    await network.destroy();
    expect(vmnet.live).toBe(0);
    expect([...vmnet.released]).toEqual([1]);
  });

  it("rejects with CreateFailure naming the vmnet call and status", async () => {
    const vmnet = new VmnetNativeDouble();
    vmnet.failNext = { call: "vmnet_network_configuration_set_ipv4_subnet", status: 1003 };
    const failure = createVmnetBackend({ native: vmnet }).createNetwork(shared);
    await expect(failure).rejects.toBeInstanceOf(CreateFailure);
    await expect(failure).rejects.toThrow(/vmnet_network_configuration_set_ipv4_subnet failed: VMNET_INVALID_ARGUMENT \(1003\)/);
    expect(vmnet.live).toBe(0);
  });

  it("answers CREATE_FAILURE when vmnet does not finish in time, and releases what arrives later", async () => {
    const vmnet = new VmnetNativeDouble();
    let finish!: () => void;
    vmnet.gate = new Promise((resolve) => (finish = resolve));
    const failure = createVmnetBackend({ native: vmnet, createTimeoutMs: 50 }).createNetwork(shared);
    await expect(failure).rejects.toBeInstanceOf(CreateFailure);
    await expect(failure).rejects.toThrow(/vmnet_network_create did not finish within 0.05 s/);
    finish();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect([...vmnet.released]).toEqual([1]);
    expect(vmnet.live).toBe(0);
  });

  it("advertises no TAP or veth and reclaims nothing (vmnet networks die with the process)", async () => {
    const backend = createVmnetBackend({ native: new VmnetNativeDouble() });
    expect(backend.platform).toBe("darwin");
    expect(backend.features).toEqual([]);
    await expect(backend.reclaimLeftovers()).resolves.toBeUndefined();
  });
});

describe("launchedByLaunchd", () => {
  it("reads launchd's XPC_SERVICE_NAME", () => {
    expect(launchedByLaunchd({ XPC_SERVICE_NAME: "com.github.nirs.vmnet-broker" })).toBe(true);
    expect(launchedByLaunchd({ XPC_SERVICE_NAME: "0" })).toBe(false);
    expect(launchedByLaunchd({})).toBe(false);
  });
});

describe("xpcEventHandler", () => {
  it("exits 1 on a listener error, so launchd restarts the service", () => {
    const exits: number[] = [];
    const handle = xpcEventHandler(silentLogger, (status) => exits.push(status));
    handle({ type: "invalid-message", peer: 1, reason: "x" });
    expect(exits).toEqual([]);
    handle({ type: "listener-error", message: "XPC listener error: Connection invalid" });
    expect(exits).toEqual([1]);
  });
});
