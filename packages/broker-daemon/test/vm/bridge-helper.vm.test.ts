// SPDX-License-Identifier: Apache-2.0
// An unmodified QEMU, as an unprivileged uid, with `-netdev bridge` and
// vmnet-broker-bridge-helper as its helper: the guest takes a DHCP lease from
// the broker and pings the gateway and a second guest; the TAP outlives the
// helper and its network reference ends with the VM. Plus the helper's errors.
import { closeSync } from "node:fs";
import type { BrokerClient } from "@vmnet-broker/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquireDhcpLease, createGuest, type Guest } from "../../src/sandbox/index.js";
import { TestBroker } from "../harness/broker.js";
import { BRIDGE_HELPER, guestArgs, runQemu, VM_UID } from "./qemu.js";

describe("QEMU -netdev bridge with vmnet-broker-bridge-helper", () => {
  let broker: TestBroker;
  let peer: Guest;
  let peerClient: BrokerClient;
  let peerIp: string;
  beforeAll(async () => {
    broker = await TestBroker.start({
      idleDelayMs: 500,
      networks: { rootonly: { mode: "host", allowed_users: ["root"] } },
    });
    // The second guest: a namespace on a veth, held by this process's connection.
    peer = await createGuest("vmpeer");
    peerClient = await broker.connect();
    await peerClient.acquireNetwork("shared");
    const fd = peer.openNetnsFd();
    try {
      await peerClient.openVeth("shared", fd, "eth0");
    } finally {
      closeSync(fd);
    }
    peerIp = (await acquireDhcpLease(peer, "eth0")).ip;
  }, 120_000);
  afterAll(async () => {
    peerClient?.close();
    await peer?.remove();
    await broker?.dispose();
  });

  it("boots a TCG guest that leases an address and pings the gateway and the other guest", async () => {
    const run = await runQemu(guestArgs(`bridge,id=n0,br=shared,helper=${BRIDGE_HELPER}`, "52:54:00:42:00:01", `vmtest.peer=${peerIp}`), {
      VMNET_BROKER_SOCKET: broker.socket,
    });
    console.log(`bridge-helper guest: ${run.seconds.toFixed(1)} s from QEMU start to power off`);
    expect(run.results.get("done"), `${run.stdout}\n${run.stderr}`).toBeDefined();
    const status = await broker.status();
    const shared = status.networks.find((n) => n.network?.name === "shared");
    expect(run.results.get("lease")).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(shared?.leases.map((l) => l.ip)).toContain(run.results.get("lease"));
    expect(run.results.get("ping-gateway")).toBe(`ok ${shared?.network?.gateway}`);
    expect(run.results.get("ping-peer")).toBe(`ok ${peerIp}`);
    // The helper's connection closed long ago; the TAP held the network until
    // QEMU exited, and its reference goes with it.
    expect(broker.log.some((l) => l.includes("event=interface-opened") && l.includes("holder=interface"))).toBe(true);
    const after = await broker.waitFor(
      (s) => s.networks.find((n) => n.network?.name === "shared")?.interfaceReferences === 0,
      "the VM's TAP reference to go",
    );
    const interfaces = after.networks.find((n) => n.network?.name === "shared")?.interfaces ?? [];
    expect(interfaces.every((i) => i.ownerUid !== VM_UID)).toBe(true);
  }, 300_000);

  // QEMU fails at -netdev set-up, before any guest runs: cheap.
  async function failingRun(network: string, socket: string) {
    const run = await runQemu(guestArgs(`bridge,id=n0,br=${network},helper=${BRIDGE_HELPER}`, "52:54:00:42:00:02"), {
      VMNET_BROKER_SOCKET: socket,
    });
    expect(run.code).not.toBe(0);
    expect(run.results.size).toBe(0);
    return run.stderr;
  }

  it("tells QEMU's user when the network does not exist", async () => {
    expect(await failingRun("nosuch", broker.socket)).toContain("no network named 'nosuch'");
  });

  it("tells QEMU's user when the broker refuses them the network", async () => {
    expect(await failingRun("rootonly", broker.socket)).toMatch(/does not allow this user \(uid 4242\) network 'rootonly'/);
  });

  it("tells QEMU's user when no broker listens", async () => {
    expect(await failingRun("shared", `${broker.dir}/absent.sock`)).toMatch(/cannot reach vmnet-broker at .*absent\.sock/);
  });

  it("releases the network once the VM and the other guest are gone", async () => {
    peerClient.close();
    await broker.waitFor((s) => !s.networks.some((n) => n.network?.name === "shared" && n.live), "shared to be removed");
    expect(broker.links()).toEqual([]);
  });
});
