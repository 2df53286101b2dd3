// SPDX-License-Identifier: Apache-2.0
// A broker that may not borrow dnsmasq's socket (no CAP_SYS_PTRACE, as under a unit
// without it, with dnsmasq dropped to its own user) still serves every network: its
// dnsmasq processes keep hearing each other's route events, and it says so once.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestBroker } from "./harness/broker.js";
import { addNetns, removeNetns } from "./harness/named-netns.js";

describe("serve --host without ptrace rights over dnsmasq", () => {
  const netns = `vmnet-broker-mute-${process.pid}`;
  let dir: string;
  beforeAll(() => {
    addNetns(netns);
    dir = mkdtempSync(join(tmpdir(), "vmnet-broker-mute-"));
  });
  afterAll(() => {
    removeNetns(netns);
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates both networks and logs dnsmasq-hears-all-networks once", async () => {
    const broker = await TestBroker.start({ inNetns: netns, dir, withoutCapabilities: ["sys_ptrace"] });
    try {
      const client = await broker.connect();
      try {
        expect((await client.acquireNetwork("shared")).bridge).toMatch(/^vmbr-/);
        expect((await client.acquireNetwork("host")).bridge).toMatch(/^vmbr-/);
      } finally {
        client.close();
      }
      const told = broker.log.filter((line) => line.includes("event=dnsmasq-hears-all-networks"));
      expect(told).toHaveLength(1);
      expect(told[0]).toMatch(/level=warn .*why="?pidfd_getfd failed: EPERM/);
    } finally {
      await broker.stop();
    }
  });
});
