// SPDX-License-Identifier: Apache-2.0
/**
 * Traffic that stays on a network's bridge never reaches connection tracking, and
 * bridged frames never reach the IP hooks, while flows leaving the subnet are still
 * tracked (NAT: modes.test.ts). A test table counts what netfilter sees.
 */
import { existsSync, readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BackendNetwork } from "../../core/backend.js";
import { acquireDhcpLease } from "../../sandbox/dhcp-client.js";
import type { Guest } from "../../sandbox/guest.js";
import { linuxNative } from "./native.js";
import { runTool } from "./run-tool.js";
import { networkConfig, TestBed } from "./test-support.test-util.js";

const bed = new TestBed({ ownsNamespace: true });
beforeEach(() => bed.setUp());
afterEach(() => bed.cleanUp());

const BR_NF = "/proc/sys/net/bridge/bridge-nf-call-iptables";

const WATCH = `table inet watch {
  chain input { type filter hook input priority 10; iifname "vmbr-shared" ct state untracked counter; iifname "vmbr-shared" counter; }
  chain forward { type filter hook forward priority 10; counter; }
}
`;

async function attachedGuest(network: BackendNetwork): Promise<Guest> {
  const guest = await bed.guest("guest");
  const fd = guest.openNetnsFd();
  await network.openVeth!({ netnsFd: fd, ifname: "eth0", peerUid: 0 });
  linuxNative().closeFd(fd);
  return guest;
}

function counters(text: string): number[] {
  return [...text.matchAll(/counter packets (\d+)/g)].map((m) => Number(m[1]));
}

describe("traffic on the bridge", () => {
  it("skips connection tracking (to the gateway) and the IP hooks (guest to guest)", async () => {
    const network = await bed.create(networkConfig("shared"));
    await runTool("nft", ["-f", "-"], { input: WATCH });
    const a = await attachedGuest(network);
    const b = await attachedGuest(network);
    await acquireDhcpLease(a, "eth0");
    const leaseB = await acquireDhcpLease(b, "eth0");
    await a.run("ping", ["-c", "3", "-i", "0.2", "-W", "2", network.info.gateway]);
    await a.run("ping", ["-c", "3", "-i", "0.2", "-W", "2", leaseB.ip]);

    const [untracked, all, forwarded] = counters(await runTool("nft", ["list", "table", "inet", "watch"]));
    expect(all).toBeGreaterThanOrEqual(3);
    expect(untracked).toBe(all);
    expect(forwarded).toBe(0);
    expect(readFileSync("/proc/thread-self/net/nf_conntrack", "utf8")).not.toContain(network.info.gateway);
    // With br_netfilter loaded, the test namespace's switch is off.
    if (existsSync(BR_NF)) expect(readFileSync(BR_NF, "utf8").trim()).toBe("0");
  });
});
