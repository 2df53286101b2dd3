// SPDX-License-Identifier: Apache-2.0
// Two overlay networks on one VNI, port and underlay: the later file loses, named with the first.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testAccounts } from "../core/fake-backend.test-util.js";
import { loadConfig } from "./load.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "vmnet-broker-overlay-clash-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, third: number, overlay: object) =>
  writeFileSync(
    join(dir, `${name}.json`),
    JSON.stringify({
      mode: "host",
      subnet: `10.${third}.0.0`,
      mask: "255.255.255.0",
      overlay: { vni: 7, underlay: "eth1", peers: ["192.0.2.2"], dhcp: "serve", ...overlay },
    }),
  );

describe("overlay clashes", () => {
  it("offers only the first of two networks on one VNI, port and underlay, naming both files", async () => {
    write("a", 1, {});
    write("b", 2, {});
    const config = await loadConfig(dir, { accounts: testAccounts });
    expect(config.errors).toEqual([
      `${join(dir, "b.json")}: overlay VNI 7 on port 4789 over 'eth1' of 'b' is already used by 'a' (${join(dir, "a.json")}); 'b' is not offered`,
    ]);
    expect([...config.networks.keys()].sort()).toEqual(["a", "host", "shared"]);
  });

  it("takes the same VNI on another port or another underlay, and other VNIs", async () => {
    write("a", 1, {});
    write("b", 2, { port: 8472 });
    write("c", 3, { underlay: "eth2" });
    write("d", 4, { vni: 8 });
    const config = await loadConfig(dir, { accounts: testAccounts });
    expect(config.errors).toEqual([]);
    expect([...config.networks.keys()].sort()).toEqual(["a", "b", "c", "d", "host", "shared"]);
  });
});
