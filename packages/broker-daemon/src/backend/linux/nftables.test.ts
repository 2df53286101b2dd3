/** applyFirewall against the real nft: a fresh load, and a stale table replaced whole. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyFirewall } from "./nftables.js";
import { runTool } from "./run-tool.js";
import { planSubnet } from "./subnets.js";
import { TestBed } from "./test-support.test-util.js";

const bed = new TestBed();
beforeEach(() => bed.setUp());
afterEach(() => bed.cleanUp());

const spec = {
  table: "vmnet_broker_fw",
  bridge: "vmbr-fw",
  mode: "shared" as const,
  ipv4: planSubnet({ network: (10 << 24) | (9 << 16), prefix: 24 }),
};

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

describe("applyFirewall", () => {
  it("loads the table once into an empty namespace", async () => {
    await applyFirewall(spec);
    const table = await runTool("nft", ["list", "table", "inet", "vmnet_broker_fw"]);
    expect(count(table, "masquerade to :1024-65535")).toBe(1);
    expect(table).toContain("ip saddr 10.9.0.0/24");
  });

  it("replaces a stale table of the same name instead of adding to it", async () => {
    const stale = "table inet vmnet_broker_fw {\n  chain stale_chain {\n    ip saddr 10.99.0.0/16 drop\n  }\n}\n";
    await runTool("nft", ["-f", "-"], { input: stale });
    await applyFirewall(spec);
    await applyFirewall(spec);
    const table = await runTool("nft", ["list", "table", "inet", "vmnet_broker_fw"]);
    expect(table).not.toContain("stale_chain");
    expect(count(table, "masquerade to :1024-65535")).toBe(1);
    expect(count(table, 'iifname "vmbr-fw" counter')).toBe(1);
  });
});
