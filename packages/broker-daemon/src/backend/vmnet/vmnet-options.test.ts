// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from "vitest";
import { BUILTIN_NETWORKS } from "../../config/builtin.js";
import { EXPLICIT_SETTINGS, type ExplicitSetting, type NetworkConfig } from "../../config/network-config.js";
import { vmnetOptionsFor } from "./vmnet-options.js";
import { describeVmnetFailure, vmnetStatusName } from "./vmnet-status.js";

const shared = BUILTIN_NETWORKS.find((n) => n.name === "shared") as NetworkConfig;
const host = BUILTIN_NETWORKS.find((n) => n.name === "host") as NetworkConfig;

describe("vmnetOptionsFor", () => {
  it("asks vmnet for nothing but the mode on the built-in networks, as the existing broker does", () => {
    const all = {
      nat44: true,
      nat66: true,
      dhcp: true,
      dnsProxy: true,
      routerAdvertisement: true,
      portForwarding: [],
      dhcpReservations: [],
    };
    expect(vmnetOptionsFor(shared)).toEqual({ mode: "shared", ...all });
    expect(vmnetOptionsFor(host)).toEqual({ mode: "host", ...all });
  });

  it("calls a setter only for what a file set explicitly", () => {
    const file = (explicit: ExplicitSetting[], extra: Partial<NetworkConfig> = {}) =>
      vmnetOptionsFor({ ...host, ...extra, explicitSettings: new Set(explicit) });
    // host's parsed defaults (NAT off) are vmnet's own host mode: no calls.
    expect(file([])).toMatchObject({ nat44: true, nat66: true });
    expect(file([]).mtu).toBeUndefined();
    expect(file(["nat44", "mtu"], { mtu: 1500 })).toMatchObject({ nat44: false, nat66: true, mtu: 1500 });
    expect(file(["dns"], { dns: true }).dnsProxy).toBe(true);
    expect(file(["dns"], { dns: false }).dnsProxy).toBe(false);
  });

  it("passes the gateway (.1), not the network address, for a static subnet", () => {
    const options = vmnetOptionsFor({ ...shared, subnet: "192.168.105.0", mask: "255.255.255.0" });
    expect(options.subnetGateway).toBe("192.168.105.1");
    expect(options.subnetMask).toBe("255.255.255.0");
    const wide = vmnetOptionsFor({ ...shared, subnet: "192.168.96.0", mask: "255.255.240.0" });
    expect(wide.subnetGateway).toBe("192.168.96.1");
  });

  it("splits the IPv6 prefix into address and length", () => {
    const options = vmnetOptionsFor({ ...shared, ipv6Prefix: "fd12:3456:789a::/64" });
    expect(options.ipv6Prefix).toBe("fd12:3456:789a::");
    expect(options.ipv6PrefixLength).toBe(64);
    expect(() => vmnetOptionsFor({ ...shared, ipv6Prefix: "fd12::" })).toThrow(/ipv6Prefix/);
  });

  it("carries every vmnet knob, rules and reservations", () => {
    const options = vmnetOptionsFor({
      ...shared,
      explicitSettings: new Set(EXPLICIT_SETTINGS),
      mtu: 9000,
      nat44: false,
      nat66: false,
      dhcp: false,
      dns: false,
      routerAdvertisement: false,
      externalInterface: "en0",
      portForwarding: [{ protocol: "tcp", externalPort: 2222, internalAddress: "192.168.105.10", internalPort: 22 }],
      dhcpReservations: [{ mac: "52:54:00:12:34:56", ip: "192.168.105.10" }],
    });
    expect(options).toEqual({
      mode: "shared",
      mtu: 9000,
      nat44: false,
      nat66: false,
      dhcp: false,
      dnsProxy: false,
      routerAdvertisement: false,
      externalInterface: "en0",
      portForwarding: [{ protocol: "tcp", externalPort: 2222, internalAddress: "192.168.105.10", internalPort: 22 }],
      dhcpReservations: [{ mac: "52:54:00:12:34:56", ip: "192.168.105.10" }],
    });
  });
});

describe("vmnetOptionsFor: port forwarding", () => {
  it("refuses an IPv6 target, which only the Linux backend forwards", () => {
    const rule = { protocol: "tcp" as const, externalPort: 8080, internalAddress: "fd00::10", internalPort: 80 };
    expect(() => vmnetOptionsFor({ ...shared, source: "/etc/vmnet-broker.d/shared.json", portForwarding: [rule] })).toThrow(
      "/etc/vmnet-broker.d/shared.json: network 'shared': port_forwarding to fd00::10: vmnet forwards to IPv4 addresses only",
    );
  });
});

describe("vmnet status", () => {
  it("refuses an overlay, which vmnet cannot carry, naming the file", () => {
    const overlay = { vni: 42, underlay: "en0", port: 4789, peers: ["10.0.0.2"], servesDhcp: true };
    expect(() => vmnetOptionsFor({ ...shared, source: "/etc/vmnet-broker/lab.json", overlay })).toThrow(
      /lab\.json: network 'shared': overlay .* works only on Linux/,
    );
  });

  it("names vmnet_return_t values", () => {
    expect(vmnetStatusName(1000)).toBe("VMNET_SUCCESS");
    expect(vmnetStatusName(1010)).toBe("VMNET_NOT_AUTHORIZED");
    expect(vmnetStatusName(4242)).toBe("vmnet status 4242");
  });

  it("explains SHARING_SERVICE_BUSY as Internet Sharing", () => {
    const message = describeVmnetFailure("vmnet_network_create", 1009, "");
    expect(message).toMatch(/^vmnet_network_create failed: VMNET_SHARING_SERVICE_BUSY \(1009\): /);
    expect(message).toContain("Internet Sharing");
  });

  it("names com.apple.NetworkSharing for VMNET_MEM_FAILURE", () => {
    expect(describeVmnetFailure("vmnet_network_create", 1002, "")).toMatch(/VMNET_MEM_FAILURE \(1002\): .*com\.apple\.NetworkSharing/);
  });

  it("points at the entitlement when vmnet refuses", () => {
    expect(describeVmnetFailure("vmnet_network_create", 1010, "")).toContain("com.apple.security.virtualization");
  });

  it("keeps the addon's own words when vmnet was never reached", () => {
    expect(describeVmnetFailure("vmnet_network_create", 0, "vmnet networks need macOS 26 or newer")).toBe(
      "vmnet_network_create failed: vmnet networks need macOS 26 or newer",
    );
  });
});
