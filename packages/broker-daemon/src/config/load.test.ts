// SPDX-License-Identifier: Apache-2.0
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testAccounts } from "../core/fake-backend.test-util.js";
import { loadConfig } from "./load.js";

describe("loadConfig", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "vmnet-broker-config-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, body: unknown) => writeFileSync(join(dir, name), typeof body === "string" ? body : JSON.stringify(body));

  it("offers shared and host with no directory at all", async () => {
    const config = await loadConfig(join(dir, "missing"), { accounts: testAccounts });
    expect([...config.networks.keys()]).toEqual(["shared", "host"]);
    expect(config.errors).toEqual([]);
  });

  it("reads a full network definition", async () => {
    write("lab.json", {
      description: "lab",
      mode: "host",
      subnet: "192.168.77.0",
      mask: "255.255.255.0",
      ipv6_prefix: "fd00:77::/64",
      mtu: 9000,
      dhcp: true,
      dns: false,
      dhcp_reservations: [{ mac: "52:54:00:AA:BB:CC", ip: "192.168.77.10" }],
      allowed_users: ["alice", 1234],
      allowed_groups: ["vm"],
    });
    const config = await loadConfig(dir, { accounts: testAccounts });
    expect(config.errors).toEqual([]);
    const lab = config.networks.get("lab");
    expect(lab).toMatchObject({
      name: "lab",
      mode: "host",
      subnet: "192.168.77.0",
      mask: "255.255.255.0",
      mtu: 9000,
      dns: false,
      dhcpReservations: [{ mac: "52:54:00:aa:bb:cc", ip: "192.168.77.10" }],
      source: join(dir, "lab.json"),
    });
    expect([...(lab?.allowedUids ?? [])]).toEqual([1000, 1234]);
    expect([...(lab?.allowedGids ?? [])]).toEqual([500]);
  });

  it("lets a file redefine a built-in network", async () => {
    write("shared.json", { subnet: "10.55.0.0", mask: "255.255.0.0" });
    const shared = (await loadConfig(dir, { accounts: testAccounts })).networks.get("shared");
    expect(shared).toMatchObject({ mode: "shared", subnet: "10.55.0.0", mask: "255.255.0.0", dns: true });
  });

  it.each([
    ["not JSON", "{", /bad\.json: not valid JSON/],
    ["not an object", "[1]", /bad\.json: expected a JSON object/],
    ["an unknown field", { mode: "shared", colour: "red" }, /bad\.json: field 'colour': unknown field/],
    ["no mode", { description: "x" }, /bad\.json: field 'mode': is required/],
    ["a bad mode", { mode: "bridged" }, /field 'mode': must be "shared" or "host"/],
    ["a subnet without a mask", { mode: "shared", subnet: "10.1.0.0" }, /field 'mask': subnet and mask go together/],
    ["a mask without a subnet", { mode: "shared", mask: "255.255.255.0" }, /field 'subnet': subnet and mask go together/],
    [
      "a bad address",
      { mode: "shared", subnet: "10.1.0.300", mask: "255.255.255.0" },
      /field 'subnet': "10.1.0.300" is not an IPv4 address/,
    ],
    [
      "a non-contiguous mask",
      { mode: "shared", subnet: "10.1.0.0", mask: "255.0.255.0" },
      /field 'mask': 255.0.255.0 is not a contiguous netmask/,
    ],
    [
      "a host address that is not the first usable one",
      { mode: "shared", subnet: "10.1.0.5", mask: "255.255.255.0" },
      /field 'subnet': 10.1.0.5 is neither the network address \(10.1.0.0\) nor the host's address/,
    ],
    ["a huge prefix", { mode: "shared", subnet: "10.1.0.0", mask: "255.255.255.252" }, /field 'mask': prefix \/30 is outside/],
    ["a bad mtu", { mode: "shared", mtu: 100 }, /field 'mtu': must be an integer from 576 to 65535/],
    ["a non-boolean dhcp", { mode: "shared", dhcp: "yes" }, /field 'dhcp': must be true or false/],
    ["reservations on a dynamic subnet", { mode: "shared", dhcp_reservations: [] }, /field 'dhcp_reservations': need a static subnet/],
    [
      "a reservation outside the subnet",
      { mode: "shared", subnet: "10.1.0.0", mask: "255.255.255.0", dhcp_reservations: [{ mac: "52:54:00:00:00:01", ip: "10.2.0.9" }] },
      /field 'dhcp_reservations\[0\]': 10.2.0.9 is outside the subnet 10.1.0.0\/24/,
    ],
    ["an unknown user", { mode: "shared", allowed_users: ["mallory"] }, /field 'allowed_users': no user named "mallory"/],
    ["an unknown group", { mode: "shared", allowed_groups: ["nogroup-here"] }, /field 'allowed_groups': no group named/],
    ["a bad IPv6 prefix", { mode: "shared", ipv6_prefix: "fd00::" }, /field 'ipv6_prefix'/],
    ["a mismatched name", { name: "other", mode: "shared" }, /field 'name': must match the file name/],
  ])("rejects %s, naming the file and the field, and keeps the other networks", async (_, body, message) => {
    write("bad.json", body);
    write("good.json", { mode: "host" });
    const config = await loadConfig(dir, { accounts: testAccounts });
    expect(config.errors.join("\n")).toMatch(message);
    expect(config.networks.has("bad")).toBe(false);
    expect(config.broken.has("bad")).toBe(true);
    expect([...config.networks.keys()].sort()).toEqual(["good", "host", "shared"]);
  });

  it("reports every problem of a file at once", async () => {
    write("bad.json", { mode: "nat", mtu: 1, dhcp: 3 });
    expect((await loadConfig(dir, { accounts: testAccounts })).errors).toHaveLength(3);
  });

  it("rejects file names that are not network names", async () => {
    write("Bad Name.json", { mode: "shared" });
    expect((await loadConfig(dir, { accounts: testAccounts })).errors[0]).toMatch(/Bad Name\.json: the file name must be a network name/);
  });

  it("makes a broken redefinition of a built-in unavailable instead of silently using the default", async () => {
    write("shared.json", { mode: "shared", mtu: "big" });
    const config = await loadConfig(dir, { accounts: testAccounts });
    expect(config.networks.has("shared")).toBe(false);
    expect(config.networks.has("host")).toBe(true);
  });

  it("reads no file's contents into its errors", async () => {
    write("x.json", "root:$6$secret-hash:19000:0:99999:7:::");
    const config = await loadConfig(dir, { accounts: testAccounts });
    expect(config.errors).toEqual([`${join(dir, "x.json")}: not valid JSON at line 1, column 1`]);
  });

  it.each([
    ["a description over 1024 bytes", { mode: "host", description: "x".repeat(1025) }, /field 'description': is longer than 1024 bytes/],
    ["a long external interface", { mode: "host", external_interface: "e".repeat(16) }, /field 'external_interface': is longer than 15/],
    [
      "a bad external interface",
      { mode: "host", external_interface: "eth 0" },
      /field 'external_interface': "eth 0" is not an interface name/,
    ],
    [
      "too many reservations",
      {
        mode: "host",
        subnet: "10.1.0.0",
        mask: "255.255.0.0",
        dhcp_reservations: Array.from({ length: 1025 }, (_, i) => ({ mac: "52:54:00:00:00:01", ip: `10.1.${i >> 8}.${(i & 255) + 2}` })),
      },
      /field 'dhcp_reservations': has 1025 entries; at most 1024/,
    ],
    [
      "too many allowed users",
      { mode: "host", allowed_users: Array.from({ length: 257 }, (_, i) => i) },
      /allowed_users': has 257 entries/,
    ],
    [
      "a reservation of the gateway",
      { mode: "host", subnet: "10.1.0.0", mask: "255.255.255.0", dhcp_reservations: [{ mac: "52:54:00:00:00:01", ip: "10.1.0.1" }] },
      /10\.1\.0\.1 is the gateway's own address/,
    ],
    [
      "a reservation of the broadcast address",
      { mode: "host", subnet: "10.1.0.0", mask: "255.255.255.0", dhcp_reservations: [{ mac: "52:54:00:00:00:01", ip: "10.1.0.255" }] },
      /network or broadcast address/,
    ],
    [
      "one address reserved twice",
      {
        mode: "host",
        subnet: "10.1.0.0",
        mask: "255.255.255.0",
        dhcp_reservations: [
          { mac: "52:54:00:00:00:01", ip: "10.1.0.9" },
          { mac: "52:54:00:00:00:02", ip: "10.1.0.9" },
        ],
      },
      /dhcp_reservations\[1\]': 10\.1\.0\.9 is reserved twice/,
    ],
  ])("caps and checks fields: %s", async (_, body, message) => {
    write("bad.json", body);
    const config = await loadConfig(dir, { accounts: testAccounts });
    expect(config.errors.join("\n")).toMatch(message);
    expect(config.networks.has("bad")).toBe(false);
  });

  it("quotes at most a short piece of a bad value", async () => {
    write("bad.json", { mode: `shared${"x".repeat(10)}` });
    write("worse.json", { mode: "host", allowed_users: [`mallory${"y".repeat(1000)}`] });
    const errors = (await loadConfig(dir, { accounts: testAccounts })).errors.join("\n");
    expect(errors).toMatch(/must be "shared" or "host", not "sharedx+"/);
    expect(errors).not.toMatch(/y{41}/);
  });

  it("reports overlapping static subnets, naming both files, and offers only the first", async () => {
    write("a.json", { mode: "host", subnet: "192.168.50.0", mask: "255.255.255.0" });
    write("b.json", { mode: "host", subnet: "192.168.50.128", mask: "255.255.255.128" });
    write("c.json", { mode: "host", subnet: "192.168.51.0", mask: "255.255.255.0" });
    const config = await loadConfig(dir, { accounts: testAccounts });
    expect(config.errors).toHaveLength(1);
    expect(config.errors[0]).toContain(join(dir, "a.json"));
    expect(config.errors[0]).toContain(join(dir, "b.json"));
    expect(config.errors[0]).toMatch(/192\.168\.50\.128\/25 of 'b' overlaps 192\.168\.50\.0\/24 of 'a'/);
    expect([...config.networks.keys()].sort()).toEqual(["a", "c", "host", "shared"]);
  });

  it("keeps a network's last good definition when its file breaks on reload", async () => {
    write("lab.json", { mode: "host", description: "v1" });
    write("gone.json", { mode: "host" });
    const first = await loadConfig(dir, { accounts: testAccounts });
    write("lab.json", "{ broken");
    rmSync(join(dir, "gone.json"));
    write("new.json", "{ broken");
    const second = await loadConfig(dir, { accounts: testAccounts, previous: first });
    expect(second.networks.get("lab")?.description).toBe("v1");
    expect(second.errors.join("\n")).toMatch(/lab\.json: not valid JSON/);
    expect(second.errors.join("\n")).toMatch(/lab\.json: keeping the last good definition of 'lab'/);
    // A removed file removes its network; a new broken file offers nothing.
    expect(second.networks.has("gone")).toBe(false);
    expect(second.networks.has("new")).toBe(false);
    write("lab.json", { mode: "host", description: "v2" });
    const third = await loadConfig(dir, { accounts: testAccounts, previous: second });
    expect(third.networks.get("lab")?.description).toBe("v2");
    expect(third.errors.join("\n")).not.toMatch(/lab\.json/);
  });

  it("keeps every last good definition when the directory cannot be read", async () => {
    write("lab.json", { mode: "host" });
    const first = await loadConfig(dir, { accounts: testAccounts });
    chmodSync(dir, 0o777);
    const second = await loadConfig(dir, { accounts: testAccounts, previous: first });
    expect(second.errors[0]).toMatch(/writable by every user/);
    expect(second.networks.has("lab")).toBe(true);
  });

  it("reports a missing directory when one is required", async () => {
    const config = await loadConfig(join(dir, "missing"), { accounts: testAccounts, requireDirectory: true });
    expect(config.errors).toEqual([`${join(dir, "missing")}: cannot read the directory: it does not exist`]);
  });
});
