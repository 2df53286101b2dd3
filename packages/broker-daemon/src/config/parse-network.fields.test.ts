// SPDX-License-Identifier: Apache-2.0
// Every rule of a network file, with the exact message an admin reads: the file,
// the field, and what is wrong with it.
import { describe, expect, it } from "vitest";
import { testAccounts } from "../core/fake-backend.test-util.js";
import { parseNetworkFile } from "./parse-network.js";

const FILE = "/etc/vmnet-broker.d/lab.json";
const parse = (body: unknown, name = "lab") => parseNetworkFile(FILE, name, body, testAccounts);
const errorsOf = (body: unknown, name = "lab") => {
  const result = parse(body, name);
  return result.ok ? [] : result.errors;
};
const configOf = (body: unknown, name = "lab") => {
  const result = parse(body, name);
  if (!result.ok) throw new Error(result.errors.join("\n"));
  return result.config;
};
const fieldError = (field: string, why: string) => `${FILE}: field '${field}': ${why}`;
const host = { mode: "host" };
const lab24 = { mode: "shared", subnet: "10.9.0.0", mask: "255.255.255.0" };

describe("parseNetworkFile: the file name and the body", () => {
  it.each(["lab", "a", "0net", "a_b-c", "a".repeat(32)])("takes %j as a network name", (name) => {
    expect(parse(host, name).ok).toBe(true);
  });

  it.each(["Lab", "-lab", "_lab", "lab!", "x lab", "lab.x", "a".repeat(33), ""])("refuses %j as a network name", (name) => {
    expect(parse(host, name)).toEqual({
      ok: false,
      errors: [`${FILE}: the file name must be a network name (lower case letters, digits, '-' or '_', up to 32)`],
    });
  });

  it.each([null, [], "shared", 5])("wants a JSON object, not %j", (body) => {
    expect(parse(body)).toEqual({ ok: false, errors: [`${FILE}: expected a JSON object`] });
  });

  it("names unknown fields, quoting names that are not plain", () => {
    const long = "k".repeat(41);
    expect(errorsOf({ ...host, colour: 1, Mode: 1, "-x": 1, "x-": 1, [long]: 1, ["k".repeat(40)]: 1 })).toEqual([
      fieldError("colour", "unknown field"),
      fieldError('"Mode"', "unknown field"),
      fieldError('"-x"', "unknown field"),
      fieldError('"x-"', "unknown field"),
      fieldError(`"${"k".repeat(40)}"...`, "unknown field"),
      fieldError("k".repeat(40), "unknown field"),
    ]);
  });

  it("takes the name field only when it matches the file name", () => {
    expect(parse({ ...host, name: "lab" }).ok).toBe(true);
    expect(errorsOf({ ...host, name: "other" })).toEqual([fieldError("name", "must match the file name ('lab') or be left out")]);
  });
});

describe("parseNetworkFile: strings and lists", () => {
  it("wants strings, within their byte limits", () => {
    expect(errorsOf({ ...host, description: 7 })).toEqual([fieldError("description", "must be a string")]);
    expect(configOf({ ...host, description: "d".repeat(1024) }).description).toHaveLength(1024);
    expect(errorsOf({ ...host, description: "d".repeat(1025) })).toEqual([fieldError("description", "is longer than 1024 bytes")]);
    // Bytes, not characters: 513 two-byte characters are 1026 bytes.
    expect(errorsOf({ ...host, description: "é".repeat(513) })).toEqual([fieldError("description", "is longer than 1024 bytes")]);
  });

  it("caps lists at their length limits", () => {
    const users = (n: number) => Array.from({ length: n }, (_, i) => i);
    expect(configOf({ ...host, allowed_users: users(256) }).allowedUids?.size).toBe(256);
    expect(errorsOf({ ...host, allowed_users: users(257) })).toEqual([
      fieldError("allowed_users", "has 257 entries; at most 256 are allowed"),
    ]);
  });

  it("wants booleans for the switches, and reports each", () => {
    expect(errorsOf({ ...host, dhcp: "yes", dns: 1, nat44: null, nat66: "no", router_advertisement: 0 })).toEqual(
      ["dhcp", "dns", "nat44", "nat66", "router_advertisement"].map((f) => fieldError(f, "must be true or false")),
    );
  });

  it("takes the switches as given", () => {
    const off = { dhcp: false, dns: false, nat44: false, nat66: false, router_advertisement: false };
    expect(configOf({ mode: "shared", ...off })).toMatchObject({
      dhcp: false,
      dns: false,
      nat44: false,
      nat66: false,
      routerAdvertisement: false,
    });
    const on = { dhcp: true, dns: true, nat44: true, nat66: true, router_advertisement: true };
    expect(configOf({ mode: "host", ...on })).toMatchObject({ dhcp: true, dns: true, nat44: true, nat66: true, routerAdvertisement: true });
  });
});

describe("parseNetworkFile: defaults", () => {
  it("gives a new shared network NAT, DHCP, DNS, router advertisements, MTU 1500 and no extras", () => {
    // Strict: a field left out is absent, not present as undefined.
    expect(configOf({ mode: "shared" })).toStrictEqual({
      name: "lab",
      description: "",
      mode: "shared",
      mtu: 1500,
      dhcp: true,
      dns: true,
      dhcpReservations: [],
      nat44: true,
      nat66: true,
      routerAdvertisement: true,
      portForwarding: [],
      explicitSettings: new Set(),
      source: FILE,
    });
  });

  it("gives a new host network no NAT", () => {
    expect(configOf({ mode: "host" })).toMatchObject({
      mode: "host",
      nat44: false,
      nat66: false,
      dhcp: true,
      dns: true,
      routerAdvertisement: true,
    });
  });

  it("lets a redefined built-in keep its mode, description and switches", () => {
    expect(configOf({}, "host")).toMatchObject({
      name: "host",
      mode: "host",
      description: "Host-only: guests reach each other and the host, nothing beyond",
      nat44: false,
      dhcp: true,
      dns: true,
      mtu: 1500,
    });
    expect(configOf({ description: "mine" }, "shared")).toMatchObject({ mode: "shared", description: "mine", nat44: true });
  });
});

describe("parseNetworkFile: mode", () => {
  it("requires a mode for a new network, and only shared or host", () => {
    expect(errorsOf({})).toEqual([fieldError("mode", 'is required: "shared" or "host"')]);
    expect(errorsOf({ mode: "bridged" })).toEqual([fieldError("mode", 'must be "shared" or "host", not "bridged"')]);
    expect(errorsOf({ mode: 1 })).toEqual([fieldError("mode", "must be a string"), fieldError("mode", 'is required: "shared" or "host"')]);
  });
});

describe("parseNetworkFile: subnet and mask", () => {
  it("wants both or neither, naming the one missing", () => {
    expect(errorsOf({ mode: "shared", subnet: "10.9.0.0" })).toEqual([
      fieldError("mask", "subnet and mask go together: give both or neither"),
    ]);
    expect(errorsOf({ mode: "shared", mask: "255.255.255.0" })).toEqual([
      fieldError("subnet", "subnet and mask go together: give both or neither"),
    ]);
  });

  it("reports a bad address and a bad mask together", () => {
    expect(errorsOf({ mode: "shared", subnet: "10.9.0", mask: "255.255.x.0" })).toEqual([
      fieldError("subnet", '"10.9.0" is not an IPv4 address'),
      fieldError("mask", '"255.255.x.0" is not an IPv4 netmask'),
    ]);
    expect(errorsOf({ mode: "shared", subnet: "10.9.0", mask: "255.255.255.0" })).toEqual([
      fieldError("subnet", '"10.9.0" is not an IPv4 address'),
    ]);
  });

  it("wants a contiguous mask from /8 to /29", () => {
    const withMask = (mask: string) => errorsOf({ mode: "shared", subnet: "10.0.0.0", mask });
    expect(withMask("255.0.255.0")).toEqual([fieldError("mask", "255.0.255.0 is not a contiguous netmask")]);
    expect(withMask("254.0.0.0")).toEqual([fieldError("mask", "prefix /7 is outside /8../29")]);
    expect(withMask("255.255.255.252")).toEqual([fieldError("mask", "prefix /30 is outside /8../29")]);
    expect(withMask("255.0.0.0")).toEqual([]);
    expect(withMask("255.255.255.248")).toEqual([]);
  });

  it("names the two addresses a subnet may be given as", () => {
    expect(errorsOf({ mode: "shared", subnet: "10.9.0.5", mask: "255.255.255.0" })).toEqual([
      fieldError(
        "subnet",
        "10.9.0.5 is neither the network address (10.9.0.0) nor the host's address on it (10.9.0.1, the first usable one) for mask 255.255.255.0",
      ),
    ]);
    expect(configOf({ mode: "shared", subnet: "10.9.0.1", mask: "255.255.255.0" })).toMatchObject({
      subnet: "10.9.0.0",
      mask: "255.255.255.0",
    });
  });
});

describe("parseNetworkFile: ipv6_prefix", () => {
  it.each(["fd12:3456:789a::/64", "FD12::/48", "fd12::/59", "fd12::/99", "fd12::/100", "fd12::/119", "fd12::/120", "fd12::/128"])(
    "takes %j",
    (ipv6_prefix) => {
      expect(configOf({ ...host, ipv6_prefix }).ipv6Prefix).toBe(ipv6_prefix);
    },
  );

  it.each(["fd12::/47", "fd12::/129", "fd12::/64x", "zz:fd12::/64", "fd12::", "/64", "fd12::/6"])("refuses %j", (ipv6_prefix) => {
    expect(errorsOf({ ...host, ipv6_prefix })).toEqual([
      fieldError("ipv6_prefix", `${JSON.stringify(ipv6_prefix)} is not an IPv6 prefix like "fd12:3456:789a::/64"`),
    ]);
  });
});

describe("parseNetworkFile: mtu", () => {
  it.each([576, 9000, 65535])("takes %j", (mtu) => {
    expect(configOf({ ...host, mtu }).mtu).toBe(mtu);
  });

  it.each([575, 65536, 1500.5, "1500"])("refuses %j", (mtu) => {
    expect(errorsOf({ ...host, mtu })).toEqual([fieldError("mtu", "must be an integer from 576 to 65535")]);
  });
});

describe("parseNetworkFile: dhcp_reservations", () => {
  const reserve = (...entries: unknown[]) => ({ ...lab24, dhcp_reservations: entries });
  const mac = "52:54:00:00:0a:0a";

  it("keeps reservations, MACs in lower case", () => {
    expect(
      configOf(reserve({ mac: "52:54:00:00:0A:0B", ip: "10.9.0.10" }, { mac, ip: "10.9.0.254", user: "bob" })).dhcpReservations,
    ).toEqual([
      { mac: "52:54:00:00:0a:0b", ip: "10.9.0.10" },
      { mac, ip: "10.9.0.254", uid: 1001 },
    ]);
  });

  it("wants a list, and a static subnet", () => {
    expect(errorsOf({ ...lab24, dhcp_reservations: {} })).toEqual([fieldError("dhcp_reservations", "must be a list of {mac, ip}")]);
    expect(errorsOf({ mode: "shared", dhcp_reservations: [{ mac, ip: "10.9.0.10" }] })).toEqual([
      fieldError("dhcp_reservations", "need a static subnet and mask"),
    ]);
    expect(errorsOf({ mode: "shared", dhcp_reservations: [] })).toEqual([fieldError("dhcp_reservations", "need a static subnet and mask")]);
  });

  it("needs a subnet and a mask that are both valid", () => {
    const entries = [{ mac, ip: "10.9.0.10" }];
    expect(errorsOf({ mode: "shared", subnet: "10.9.0.0", mask: "255.0.255.0", dhcp_reservations: entries })).toEqual([
      fieldError("mask", "255.0.255.0 is not a contiguous netmask"),
      fieldError("dhcp_reservations", "need a static subnet and mask"),
    ]);
    expect(errorsOf({ mode: "shared", subnet: "10.9.0", mask: "255.255.255.0", dhcp_reservations: entries })).toEqual([
      fieldError("subnet", '"10.9.0" is not an IPv4 address'),
      fieldError("dhcp_reservations", "need a static subnet and mask"),
    ]);
    expect(errorsOf({ mode: "shared", subnet: "10.9.0.0", mask: "255.255.x.0", dhcp_reservations: entries })).toEqual([
      fieldError("mask", '"255.255.x.0" is not an IPv4 netmask'),
      fieldError("dhcp_reservations", "need a static subnet and mask"),
    ]);
  });

  it("wants a MAC and an IPv4 address in each", () => {
    const needsMac = fieldError("dhcp_reservations[0]", 'needs "mac" like "52:54:00:12:34:56"');
    for (const entry of [
      null,
      {},
      { mac: 5, ip: "10.9.0.10" },
      { mac: "", ip: "10.9.0.10" },
      { mac: `x${mac}`, ip: "10.9.0.10" },
      { mac: `${mac}x`, ip: "10.9.0.10" },
    ]) {
      expect(errorsOf(reserve(entry))).toEqual([needsMac]);
    }
    for (const entry of [{ mac }, { mac, ip: 10 }, { mac, ip: "10.9.0" }]) {
      expect(errorsOf(reserve(entry))).toEqual([fieldError("dhcp_reservations[0]", 'needs "ip", an IPv4 address')]);
    }
  });

  it("wants a guest address inside the subnet, not the gateway's, network or broadcast", () => {
    expect(errorsOf(reserve({ mac, ip: "10.9.1.10" }))).toEqual([
      fieldError("dhcp_reservations[0]", "10.9.1.10 is outside the subnet 10.9.0.0/24"),
    ]);
    expect(errorsOf(reserve({ mac, ip: "10.9.0.1" }))).toEqual([
      fieldError("dhcp_reservations[0]", "10.9.0.1 is the gateway's own address"),
    ]);
    for (const ip of ["10.9.0.0", "10.9.0.255"]) {
      expect(errorsOf(reserve({ mac, ip }))).toEqual([
        fieldError("dhcp_reservations[0]", `${ip} is the subnet's network or broadcast address`),
      ]);
    }
    expect(configOf(reserve({ mac, ip: "10.9.0.2" })).dhcpReservations).toEqual([{ mac, ip: "10.9.0.2" }]);
  });

  it("refuses a MAC or an address reserved twice, naming the second entry", () => {
    expect(errorsOf(reserve({ mac, ip: "10.9.0.10" }, { mac: mac.toUpperCase(), ip: "10.9.0.11" }))).toEqual([
      fieldError("dhcp_reservations[1]", `${mac} is reserved twice`),
    ]);
    expect(errorsOf(reserve({ mac, ip: "10.9.0.10" }, { mac: "52:54:00:00:0a:0b", ip: "10.9.0.10" }))).toEqual([
      fieldError("dhcp_reservations[1]", "10.9.0.10 is reserved twice"),
    ]);
  });

  it("checks the user of a reservation: a name, or a uid below 2^32-1", () => {
    const user = (value: unknown) => reserve({ mac, ip: "10.9.0.10", user: value });
    expect(configOf(user(0)).dhcpReservations).toEqual([{ mac, ip: "10.9.0.10", uid: 0 }]);
    expect(configOf(user(2 ** 32 - 2)).dhcpReservations).toEqual([{ mac, ip: "10.9.0.10", uid: 2 ** 32 - 2 }]);
    for (const [value, shown] of [
      [2 ** 32 - 1, '"4294967295"'],
      [-1, '"-1"'],
      [1.5, '"1.5"'],
      [null, '"null"'],
      ["u".repeat(257), `"${"u".repeat(40)}"...`],
    ] as const) {
      expect(errorsOf(user(value))).toEqual([fieldError("dhcp_reservations[0].user", `${shown} is neither a user name nor a numeric uid`)]);
    }
    expect(errorsOf(user("u".repeat(256)))).toEqual([fieldError("dhcp_reservations[0].user", `no user named "${"u".repeat(40)}"...`)]);
  });

  it("caps the number of reservations", () => {
    const many = Array.from({ length: 1025 }, () => ({ mac, ip: "10.9.0.10" }));
    expect(errorsOf({ ...lab24, dhcp_reservations: many })).toEqual([
      fieldError("dhcp_reservations", "has 1025 entries; at most 1024 are allowed"),
    ]);
  });
});

describe("parseNetworkFile: allowed_users and allowed_groups", () => {
  it("resolves names and takes numeric ids", () => {
    const config = configOf({ ...host, allowed_users: ["alice", 0, 2 ** 32 - 2], allowed_groups: ["vm", 7] });
    expect([...(config.allowedUids ?? [])]).toEqual([1000, 0, 2 ** 32 - 2]);
    expect([...(config.allowedGids ?? [])]).toEqual([500, 7]);
    const open = configOf(host);
    expect(open.allowedUids).toBeUndefined();
    expect(open.allowedGids).toBeUndefined();
  });

  it("names unknown users and groups, each in its own namespace", () => {
    expect(errorsOf({ ...host, allowed_users: ["vm"], allowed_groups: ["alice"] })).toEqual([
      fieldError("allowed_users", 'no user named "vm"'),
      fieldError("allowed_groups", 'no group named "alice"'),
    ]);
  });

  it("refuses what is neither a name nor an id", () => {
    expect(errorsOf({ ...host, allowed_users: [-1, 1.5, 2 ** 32 - 1, null, "n".repeat(257)] })).toEqual([
      fieldError("allowed_users", '"-1" is neither a name nor a numeric id'),
      fieldError("allowed_users", '"1.5" is neither a name nor a numeric id'),
      fieldError("allowed_users", '"4294967295" is neither a name nor a numeric id'),
      fieldError("allowed_users", '"null" is neither a name nor a numeric id'),
      fieldError("allowed_users", `"${"n".repeat(40)}"... is neither a name nor a numeric id`),
    ]);
    expect(errorsOf({ ...host, allowed_groups: ["g".repeat(256)] })).toEqual([
      fieldError("allowed_groups", `no group named "${"g".repeat(40)}"...`),
    ]);
  });

  it("wants lists", () => {
    expect(errorsOf({ ...host, allowed_users: "alice", allowed_groups: 500 })).toEqual([
      fieldError("allowed_users", "must be a list of names or numeric ids"),
      fieldError("allowed_groups", "must be a list of names or numeric ids"),
    ]);
  });
});

describe("parseNetworkFile: port_forwarding", () => {
  const rule = { protocol: "tcp", external_port: 2222, internal_address: "10.9.0.10", internal_port: 22 };

  it("keeps tcp and udp rules, ports 1 to 65535", () => {
    expect(
      configOf({
        ...lab24,
        port_forwarding: [rule, { protocol: "udp", external_port: 65535, internal_address: "10.9.0.11", internal_port: 1 }],
      }).portForwarding,
    ).toEqual([
      { protocol: "tcp", externalPort: 2222, internalAddress: "10.9.0.10", internalPort: 22 },
      { protocol: "udp", externalPort: 65535, internalAddress: "10.9.0.11", internalPort: 1 },
    ]);
  });

  it("wants a list of at most 256 rules", () => {
    expect(errorsOf({ ...lab24, port_forwarding: rule })).toEqual([fieldError("port_forwarding", "must be a list of rules")]);
    const many = (n: number) => Array.from({ length: n }, (_, i) => ({ ...rule, external_port: 1000 + i }));
    expect(configOf({ ...lab24, port_forwarding: many(256) }).portForwarding).toHaveLength(256);
    expect(errorsOf({ ...lab24, port_forwarding: many(257) })).toEqual([
      fieldError("port_forwarding", "has 257 entries; at most 256 are allowed"),
    ]);
  });

  it("is checked against a subnet only when the subnet itself is good", () => {
    expect(errorsOf({ ...lab24, mask: "255.0.255.0", port_forwarding: [rule] })).toEqual([
      fieldError("mask", "255.0.255.0 is not a contiguous netmask"),
    ]);
  });
});

describe("parseNetworkFile: external_interface", () => {
  it.each(["eth0", "en0", "br-lan.10", "wlp2s0_x", "abcdefghijklmno"])("takes %j", (external_interface) => {
    expect(configOf({ ...host, external_interface }).externalInterface).toBe(external_interface);
  });

  it.each(["-eth0", ".eth0", "eth0!", "eth 0", ""])("refuses %j", (external_interface) => {
    expect(errorsOf({ ...host, external_interface })).toEqual([
      fieldError("external_interface", `${JSON.stringify(external_interface)} is not an interface name`),
    ]);
  });

  it("is absent when not given", () => {
    expect("externalInterface" in configOf(host)).toBe(false);
  });
});

describe("parseNetworkFile: a full definition", () => {
  it("carries every field into the configuration", () => {
    expect(
      configOf({
        name: "lab",
        description: "the lab",
        mode: "shared",
        subnet: "10.9.0.0",
        mask: "255.255.255.0",
        ipv6_prefix: "fd00::/64",
        mtu: 9000,
        dhcp: false,
        dns: true,
        nat44: false,
        nat66: true,
        router_advertisement: false,
        external_interface: "eth1",
        allowed_users: ["alice"],
        allowed_groups: ["vm"],
        dhcp_reservations: [{ mac: "52:54:00:00:00:01", ip: "10.9.0.10" }],
        port_forwarding: [{ protocol: "udp", external_port: 53, internal_address: "10.9.0.10", internal_port: 5353 }],
      }),
    ).toEqual({
      name: "lab",
      description: "the lab",
      mode: "shared",
      subnet: "10.9.0.0",
      mask: "255.255.255.0",
      ipv6Prefix: "fd00::/64",
      mtu: 9000,
      dhcp: false,
      dns: true,
      nat44: false,
      nat66: true,
      routerAdvertisement: false,
      externalInterface: "eth1",
      allowedUids: new Set([1000]),
      allowedGids: new Set([500]),
      dhcpReservations: [{ mac: "52:54:00:00:00:01", ip: "10.9.0.10" }],
      portForwarding: [{ protocol: "udp", externalPort: 53, internalAddress: "10.9.0.10", internalPort: 5353 }],
      explicitSettings: new Set(["mtu", "dhcp", "dns", "nat44", "nat66", "router_advertisement"]),
      source: FILE,
    });
  });
});
