// SPDX-License-Identifier: Apache-2.0
/**
 * Shared vs host mode, seen from a guest: an "outside" namespace plays the uplink
 * (10.99.0.2 behind a veth from the test namespace), with no route back to the
 * guests, so only NAT can make a reply come back.
 */
import { writeFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BackendNetwork } from "../../core/backend.js";
import { acquireDhcpLease } from "../../sandbox/dhcp-client.js";
import type { Guest } from "../../sandbox/guest.js";
import { linuxNative } from "./native.js";
import { runTool } from "./run-tool.js";
import { networkConfig, TestBed } from "./test-support.test-util.js";

const OUTSIDE_IP = "10.99.0.2";

const bed = new TestBed();
beforeEach(() => bed.setUp());
afterEach(() => bed.cleanUp());

async function addUplink(): Promise<Guest> {
  const outside = await bed.guest("outside");
  await runTool("ip", ["link", "add", "up0", "type", "veth", "peer", "name", "eth0", "netns", outside.netnsPath]);
  await runTool("ip", ["-batch", "-"], { input: "addr add 10.99.0.1/24 dev up0\nlink set up0 up\n" });
  await outside.run("ip", ["-batch", "-"], `addr add ${OUTSIDE_IP}/24 dev eth0\nlink set eth0 up\n`);
  return outside;
}

async function attachedGuest(network: BackendNetwork): Promise<Guest> {
  const guest = await bed.guest("guest");
  const fd = guest.openNetnsFd();
  await network.openVeth!({ netnsFd: fd, ifname: "eth0", peerUid: 0 });
  linuxNative().closeFd(fd);
  return guest;
}

function ping(guest: Guest, ip: string): Promise<boolean> {
  return guest.run("busybox", ["ping", "-c", "1", "-W", "2", ip]).then(
    () => true,
    () => false,
  );
}

describe("shared mode", () => {
  it("masquerades guests to the uplink", async () => {
    await addUplink();
    const network = await bed.create(networkConfig("shared"));
    const guest = await attachedGuest(network);
    const lease = await acquireDhcpLease(guest, "eth0");
    expect(lease.router).toBe(network.info.gateway);
    expect(await ping(guest, OUTSIDE_IP)).toBe(true);
    const table = await runTool("nft", ["list", "table", "inet", "vmnet_broker_shared"]);
    expect(table).toMatch(/counter packets [1-9]\d* bytes \d+ masquerade/);
  });
});

describe("DNS on the gateway", () => {
  it("answers guests on the bridge and nobody who reaches the gateway through another interface", async () => {
    const outside = await addUplink();
    const network = await bed.create(networkConfig("shared"));
    const guest = await attachedGuest(network);
    await acquireDhcpLease(guest, "eth0");
    await outside.run("ip", ["route", "add", `${network.info.subnet}/24`, "via", "10.99.0.1"]);
    const lookup = (from: Guest) =>
      from.run("timeout", ["3", "busybox", "nslookup", "-type=a", "localhost", network.info.gateway]).then(
        () => true,
        () => false,
      );
    expect(await ping(outside, network.info.gateway)).toBe(true);
    expect(await lookup(guest)).toBe(true);
    expect(await lookup(outside)).toBe(false);
  });
});

describe("host mode", () => {
  it("has no NAT, offers no default route, and refuses forwarding out of the bridge", async () => {
    await addUplink();
    const network = await bed.create(networkConfig("host", { mode: "host", dns: false }));
    const table = await runTool("nft", ["list", "table", "inet", "vmnet_broker_host"]);
    expect(table).not.toContain("masquerade");
    expect(table).not.toContain("postrouting");

    const guest = await attachedGuest(network);
    const lease = await acquireDhcpLease(guest, "eth0");
    expect(lease.router).toBe("");
    expect(await ping(guest, network.info.gateway)).toBe(true);

    // Even with forwarding on and a hand-made default route, nothing leaves.
    writeFileSync("/proc/sys/net/ipv4/ip_forward", "1\n");
    await guest.run("ip", ["route", "replace", "default", "via", network.info.gateway]);
    expect(await ping(guest, OUTSIDE_IP)).toBe(false);
    const after = await runTool("nft", ["list", "table", "inet", "vmnet_broker_host"]);
    expect(after).toMatch(/iifname "vmbr-host" counter packets [1-9]\d* bytes \d+ reject/);
  });

  it("lets guests of a host network reach each other", async () => {
    const network = await bed.create(networkConfig("host", { mode: "host", dns: false }));
    const a = await attachedGuest(network);
    const b = await attachedGuest(network);
    await acquireDhcpLease(a, "eth0");
    const leaseB = await acquireDhcpLease(b, "eth0");
    expect(await ping(a, leaseB.ip)).toBe(true);
  });
});
