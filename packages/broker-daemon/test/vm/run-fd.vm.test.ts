// SPDX-License-Identifier: Apache-2.0
// `vmnet-broker run` as an unprivileged uid with an unmodified QEMU on a TAP fd
// (-netdev tap,fd={fd}; QEMU reads the vnet header from the fd) and the
// broker's guest MAC ({mac}): run execs QEMU, the TAP holds the network, the
// guest leases and pings, and the reference goes with QEMU. The recipe of
// docs/vm-tools.md.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, TestBroker } from "../harness/broker.js";
import { guestArgs, runAs, VM_UID } from "./qemu.js";

describe("QEMU on a TAP fd through vmnet-broker run", () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await TestBroker.start({ idleDelayMs: 500 });
  });
  afterAll(() => broker?.dispose());

  it("boots a guest that leases an address under the MAC the broker picked and pings the gateway", async () => {
    // guestArgs' MAC is replaced by {mac}: run fills in the broker's pick.
    const qemu = guestArgs("tap,id=n0,fd={fd}", "{mac}");
    const command = [
      process.execPath,
      CLI,
      "run",
      "--socket",
      broker.socket,
      "--network",
      "shared",
      "--vnet-hdr",
      "--",
      "qemu-system-x86_64",
      ...qemu,
    ];
    const result = await runAs(VM_UID, command, {});
    console.log(`run (TAP fd) guest: ${result.seconds.toFixed(1)} s from run start to power off`);
    expect(result.results.get("done"), `${result.stdout}\n${result.stderr}`).toBeDefined();
    expect(result.results.get("lease")).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(result.results.get("ping-gateway")).toMatch(/^ok /);
    const opened = broker.log.find((l) => l.includes("event=interface-opened"));
    expect(opened).toContain("holder=interface");
    expect(opened).toContain(`guest_mac=${result.results.get("mac")}`);
    await broker.waitFor((s) => !s.networks.some((n) => n.network?.name === "shared" && n.live), "shared to be released");
  }, 300_000);
});
