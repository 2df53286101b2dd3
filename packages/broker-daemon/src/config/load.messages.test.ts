// SPDX-License-Identifier: Apache-2.0
// loadConfig's directory-level problems word for word, and what a reload keeps.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testAccounts } from "../core/fake-backend.test-util.js";
import { BUILTIN_NETWORKS } from "./builtin.js";
import { builtinConfig, loadConfig, MAX_CONFIG_FILES } from "./load.js";

describe("loadConfig messages", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "vmnet-broker-config-"));
    chmodSync(dir, 0o755);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, body: unknown) => writeFileSync(join(dir, name), JSON.stringify(body), { mode: 0o644 });
  const load = (path = dir, previous?: Awaited<ReturnType<typeof loadConfig>>) =>
    loadConfig(path, { accounts: testAccounts, ...(previous ? { previous } : {}) });

  it("names a path that is not a directory, or one every user may write", async () => {
    write("file", {});
    const notDir = await load(join(dir, "file"));
    expect(notDir.errors).toEqual([`${join(dir, "file")}: not a directory`]);
    expect([...notDir.broken]).toEqual([]);
    chmodSync(dir, 0o757);
    expect((await load()).errors).toEqual([`${dir}: writable by every user; make it writable by root only`]);
  });

  it("passes on why a directory cannot be read", async () => {
    write("file", {});
    const errors = (await load(join(dir, "file", "sub"))).errors;
    expect(errors).toEqual([expect.stringMatching(new RegExp(`^${join(dir, "file", "sub")}: cannot read the directory: ENOTDIR`))]);
  });

  it("reads at most 256 files, counting only *.json", async () => {
    expect(MAX_CONFIG_FILES).toBe(256);
    for (let i = 0; i < 256; i++) write(`n${i}.json`, { mode: "host" });
    write("README", {});
    const full = await load();
    expect(full.errors).toEqual([]);
    expect(full.networks.size).toBe(258);
    write("n256.json", { mode: "host" });
    const over = await load();
    expect(over.errors).toEqual([`${dir}: 257 *.json files; at most 256 are read`]);
    expect([...over.networks.keys()]).toEqual(["shared", "host"]);
  });

  it("reads files in name order, so the first of two overlapping networks is the one offered", async () => {
    // Written in both orders: whatever order the directory lists them in, a.json is read first.
    write("a.json", { mode: "shared", subnet: "10.7.1.0", mask: "255.255.255.0" });
    write("b.json", { mode: "shared", subnet: "10.7.0.0", mask: "255.255.0.0" });
    write("c.json", { mode: "shared", subnet: "10.8.0.0", mask: "255.255.0.0" });
    write("d.json", { mode: "shared", subnet: "10.8.1.0", mask: "255.255.255.0" });
    const config = await load();
    expect([...config.networks.keys()]).toEqual(["shared", "host", "a", "c"]);
    expect([...config.broken]).toEqual(["b", "d"]);
  });

  it("keeps last good file definitions when the directory breaks, but never a built-in as 'broken'", async () => {
    write("lab.json", { mode: "host", description: "v1" });
    const first = await load();
    chmodSync(dir, 0o757);
    const second = await load(dir, first);
    expect(second.networks.get("lab")?.description).toBe("v1");
    expect([...second.broken]).toEqual(["lab"]);
    expect(second.errors).toEqual([
      `${dir}: writable by every user; make it writable by root only`,
      `${join(dir, "lab.json")}: keeping the last good definition of 'lab' until the file is fixed`,
    ]);
  });

  it("does not resurrect a built-in whose redefinition broke", async () => {
    mkdirSync(join(dir, "shared.json"));
    const config = await load(dir, builtinConfig());
    expect(config.networks.has("shared")).toBe(false);
    expect(config.errors).toEqual([`${join(dir, "shared.json")}: is not a regular file (a directory)`]);
  });

  it("offers exactly the built-ins without a directory", async () => {
    const config = await load(join(dir, "missing"));
    expect(config).toEqual({ networks: new Map(BUILTIN_NETWORKS.map((n) => [n.name, n])), errors: [], broken: new Set() });
    expect(builtinConfig()).toEqual(config);
  });
});

describe("the built-in networks", () => {
  it("are shared (NAT) and host (no NAT), both with DHCP and DNS, MTU 1500, from nowhere but the broker", () => {
    expect(BUILTIN_NETWORKS).toEqual([
      {
        name: "shared",
        description: "NAT to the host's uplinks, with DHCP and DNS",
        mode: "shared",
        mtu: 1500,
        dhcp: true,
        dns: true,
        dhcpReservations: [],
        portForwarding: [],
        nat44: true,
        nat66: true,
        routerAdvertisement: true,
        source: "built-in",
      },
      {
        name: "host",
        description: "Host-only: guests reach each other and the host, nothing beyond",
        mode: "host",
        mtu: 1500,
        dhcp: true,
        dns: true,
        dhcpReservations: [],
        portForwarding: [],
        nat44: false,
        nat66: false,
        routerAdvertisement: true,
        source: "built-in",
      },
    ]);
  });
});
