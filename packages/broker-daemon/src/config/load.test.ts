import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
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

  it("offers shared and host with no directory at all", () => {
    const config = loadConfig(join(dir, "missing"), testAccounts);
    expect([...config.networks.keys()]).toEqual(["shared", "host"]);
    expect(config.errors).toEqual([]);
  });

  it("reads a full network definition", () => {
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
    const config = loadConfig(dir, testAccounts);
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

  it("lets a file redefine a built-in network", () => {
    write("shared.json", { subnet: "10.55.0.0", mask: "255.255.0.0" });
    const shared = loadConfig(dir, testAccounts).networks.get("shared");
    expect(shared).toMatchObject({ mode: "shared", subnet: "10.55.0.0", mask: "255.255.0.0", dns: true });
  });

  it.each([
    ["not JSON", "{", /bad\.json: not valid JSON/],
    ["not an object", "[1]", /bad\.json: expected a JSON object/],
    ["an unknown field", { mode: "shared", colour: "red" }, /bad\.json: field 'colour': unknown field/],
    ["no mode", { description: "x" }, /bad\.json: field 'mode': is required/],
    ["a bad mode", { mode: "bridged" }, /field 'mode': must be "shared" or "host"/],
    ["a subnet without a mask", { mode: "shared", subnet: "10.1.0.0" }, /field 'mask': subnet and mask go together/],
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
      /field 'dhcp_reservations\[0\]': 10.2.0.9 is not a usable guest address/,
    ],
    ["an unknown user", { mode: "shared", allowed_users: ["mallory"] }, /field 'allowed_users': no user named "mallory"/],
    ["an unknown group", { mode: "shared", allowed_groups: ["nogroup-here"] }, /field 'allowed_groups': no group named/],
    ["a bad IPv6 prefix", { mode: "shared", ipv6_prefix: "fd00::" }, /field 'ipv6_prefix'/],
    ["a mismatched name", { name: "other", mode: "shared" }, /field 'name': must match the file name/],
  ])("rejects %s, naming the file and the field, and keeps the other networks", (_, body, message) => {
    write("bad.json", body);
    write("good.json", { mode: "host" });
    const config = loadConfig(dir, testAccounts);
    expect(config.errors.join("\n")).toMatch(message);
    expect(config.networks.has("bad")).toBe(false);
    expect(config.broken.has("bad")).toBe(true);
    expect([...config.networks.keys()].sort()).toEqual(["good", "host", "shared"]);
  });

  it("reports every problem of a file at once", () => {
    write("bad.json", { mode: "nat", mtu: 1, dhcp: 3 });
    expect(loadConfig(dir, testAccounts).errors).toHaveLength(3);
  });

  it("rejects file names that are not network names", () => {
    write("Bad Name.json", { mode: "shared" });
    expect(loadConfig(dir, testAccounts).errors[0]).toMatch(/Bad Name\.json: the file name must be a network name/);
  });

  it("makes a broken redefinition of a built-in unavailable instead of silently using the default", () => {
    write("shared.json", { mode: "shared", mtu: "big" });
    const config = loadConfig(dir, testAccounts);
    expect(config.networks.has("shared")).toBe(false);
    expect(config.networks.has("host")).toBe(true);
  });
});
