// SPDX-License-Identifier: Apache-2.0
// port_forwarding rules in a network file: every problem with the exact message
// an admin reads (file, field, why), and the rules that pass, normalised.
import { describe, expect, it } from "vitest";
import { testAccounts } from "../core/fake-backend.test-util.js";
import { parseNetworkFile } from "./parse-network.js";

const FILE = "/etc/vmnet-broker.d/lab.json";
const lab = { mode: "shared", subnet: "10.9.0.0", mask: "255.255.255.0", ipv6_prefix: "fd00:9::/64" };
const rule = { protocol: "tcp", external_port: 8080, internal_address: "10.9.0.10", internal_port: 80 };
const errorsOf = (body: unknown) => {
  const result = parseNetworkFile(FILE, "lab", body, testAccounts);
  return result.ok ? [] : result.errors;
};
const forwardsOf = (body: unknown) => {
  const result = parseNetworkFile(FILE, "lab", body, testAccounts);
  if (!result.ok) throw new Error(result.errors.join("\n"));
  return result.config.portForwarding;
};
const fieldError = (field: string, why: string) => `${FILE}: field '${field}': ${why}`;

describe("port_forwarding: where it applies", () => {
  it("needs shared mode", () => {
    expect(errorsOf({ mode: "host", subnet: "10.9.0.0", mask: "255.255.255.0", port_forwarding: [rule] })).toEqual([
      fieldError("port_forwarding", 'needs mode "shared": a host-only network has no way in from outside'),
    ]);
  });

  it("needs a static subnet", () => {
    expect(errorsOf({ mode: "shared", port_forwarding: [rule] })).toEqual([
      fieldError("port_forwarding", "needs a static subnet and mask, so that a target can be checked against it"),
    ]);
  });

  it("is fine empty on any network", () => {
    expect(forwardsOf({ mode: "host", port_forwarding: [] })).toEqual([]);
  });
});

describe("port_forwarding: targets", () => {
  it("takes guests' IPv4 and IPv6 addresses, IPv6 normalised", () => {
    expect(
      forwardsOf({
        ...lab,
        port_forwarding: [
          rule,
          { ...rule, internal_address: "FD00:9:0:0::0A" },
          { ...rule, protocol: "udp", internal_address: "10.9.0.254" },
        ],
      }),
    ).toEqual([
      { protocol: "tcp", externalPort: 8080, internalAddress: "10.9.0.10", internalPort: 80 },
      { protocol: "tcp", externalPort: 8080, internalAddress: "fd00:9::a", internalPort: 80 },
      { protocol: "udp", externalPort: 8080, internalAddress: "10.9.0.254", internalPort: 80 },
    ]);
  });

  it.each([
    ["10.8.0.10", "10.8.0.10 is outside the subnet 10.9.0.0/24"],
    ["10.9.1.10", "10.9.1.10 is outside the subnet 10.9.0.0/24"],
    ["10.9.0.1", "10.9.0.1 is the gateway's own address (the host)"],
    ["10.9.0.0", "10.9.0.0 is the subnet's network or broadcast address"],
    ["10.9.0.255", "10.9.0.255 is the subnet's network or broadcast address"],
    ["fd00:8::10", "fd00:8::10 is outside the ipv6_prefix fd00:9::/64"],
    ["fd00:9::1", "fd00:9::1 is the gateway's own address (the host)"],
    ["fd00:9::", "fd00:9:: is the prefix's own (subnet-router anycast) address"],
    ["10.9.0", '"10.9.0" is not an IPv4 or IPv6 address'],
    ["guest.lab", '"guest.lab" is not an IPv4 or IPv6 address'],
    ["fd00:9::1::2", '"fd00:9::1::2" is not an IPv4 or IPv6 address'],
  ])("refuses %s", (internal_address, why) => {
    expect(errorsOf({ ...lab, port_forwarding: [{ ...rule, internal_address }] })).toEqual([
      fieldError("port_forwarding[0].internal_address", why),
    ]);
  });

  it("refuses an IPv6 target when the prefix, which passed its own check, does not parse", () => {
    expect(errorsOf({ ...lab, ipv6_prefix: "fd00:::9/64", port_forwarding: [{ ...rule, internal_address: "fd00:9::10" }] })).toEqual([
      fieldError("port_forwarding[0].internal_address", "fd00:9::10 is IPv6, but ipv6_prefix fd00:::9/64 is not a usable prefix"),
    ]);
  });

  it("refuses an IPv6 target on a network without an IPv6 prefix", () => {
    const { ipv6_prefix: _, ...v4only } = lab;
    expect(errorsOf({ ...v4only, port_forwarding: [{ ...rule, internal_address: "fd00:9::10" }] })).toEqual([
      fieldError("port_forwarding[0].internal_address", "fd00:9::10 is IPv6, but the network has no ipv6_prefix"),
    ]);
  });
});

describe("port_forwarding: protocol and ports", () => {
  it.each([
    ["protocol", { ...rule, protocol: "icmp" }, 'must be "tcp" or "udp", not "icmp"'],
    ["protocol", { ...rule, protocol: "TCP" }, 'must be "tcp" or "udp", not "TCP"'],
    ["protocol", { ...rule, protocol: undefined }, 'is required: "tcp" or "udp"'],
    ["external_port", { ...rule, external_port: 0 }, "must be an integer from 1 to 65535, not 0"],
    ["external_port", { ...rule, external_port: 65536 }, "must be an integer from 1 to 65535, not 65536"],
    ["external_port", { ...rule, external_port: 22.5 }, "must be an integer from 1 to 65535, not 22.5"],
    ["external_port", { ...rule, external_port: "22" }, 'must be an integer from 1 to 65535, not "22"'],
    ["external_port", { ...rule, external_port: undefined }, "is required: a port from 1 to 65535"],
    ["internal_port", { ...rule, internal_port: -1 }, "must be an integer from 1 to 65535, not -1"],
    ["internal_address", { ...rule, internal_address: ["10.9.0.10"] }, "must be a string"],
    ["internal_address", { ...rule, internal_address: undefined }, "is required: a guest's address on the network"],
    ["host_port", { ...rule, host_port: 1 }, "unknown field"],
    ['"hostPort"', { ...rule, hostPort: 1 }, "unknown field"],
  ])("names %s in %j", (field, bad, why) => {
    expect(errorsOf({ ...lab, port_forwarding: [bad] })).toEqual([fieldError(`port_forwarding[0].${field}`, why)]);
  });

  it("reports every problem of every rule, and goes on to the next", () => {
    expect(errorsOf({ ...lab, port_forwarding: [null, rule, { protocol: "sctp", external_port: 0, internal_port: 1 }, 7] })).toEqual([
      fieldError("port_forwarding[0]", 'must be {"protocol": "tcp"|"udp", "external_port", "internal_address", "internal_port"}'),
      fieldError("port_forwarding[2].protocol", 'must be "tcp" or "udp", not "sctp"'),
      fieldError("port_forwarding[2].external_port", "must be an integer from 1 to 65535, not 0"),
      fieldError("port_forwarding[2].internal_address", "is required: a guest's address on the network"),
      fieldError("port_forwarding[3]", 'must be {"protocol": "tcp"|"udp", "external_port", "internal_address", "internal_port"}'),
    ]);
  });

  it("refuses one host port forwarded twice in a family, and takes it once per family and protocol", () => {
    expect(errorsOf({ ...lab, port_forwarding: [rule, { ...rule, internal_address: "10.9.0.11" }] })).toEqual([
      fieldError("port_forwarding[1]", "tcp 8080/IPv4 is forwarded twice (port_forwarding[0] too)"),
    ]);
    expect(
      forwardsOf({ ...lab, port_forwarding: [rule, { ...rule, protocol: "udp" }, { ...rule, internal_address: "fd00:9::10" }] }),
    ).toHaveLength(3);
  });
});

describe("port_forwarding: overlay networks", () => {
  const overlay = (dhcp: "serve" | "none") => ({ vni: 42, underlay: "eth1", peers: ["192.0.2.2"], dhcp });

  it("is taken on the host that serves the segment, refused on a host that only switches", () => {
    const { ipv6_prefix: _, ...v4 } = lab;
    expect(forwardsOf({ ...v4, overlay: overlay("serve"), port_forwarding: [rule] })).toHaveLength(1);
    expect(errorsOf({ ...v4, overlay: overlay("none"), port_forwarding: [rule] })).toEqual([
      fieldError(
        "port_forwarding",
        'needs the host that serves the overlay ("dhcp": "serve"): this one has no gateway address to forward from',
      ),
    ]);
  });
});
