// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from "vitest";
import { testAccounts } from "../core/fake-backend.test-util.js";
import { parseNetworkFile } from "./parse-network.js";

const parse = (body: object) => parseNetworkFile("/etc/vmnet-broker.d/lab.json", "lab", body, testAccounts);

describe("parseNetworkFile: subnet", () => {
  it("accepts the existing broker's README example: the host's address with its mask", () => {
    const result = parse({ mode: "shared", subnet: "192.168.42.1", mask: "255.255.255.0" });
    expect(result).toMatchObject({ ok: true, config: { subnet: "192.168.42.0", mask: "255.255.255.0" } });
  });

  it("keeps the network-address form, and both name the same network", () => {
    const byNetwork = parse({ mode: "shared", subnet: "192.168.42.0", mask: "255.255.255.0" });
    const byHost = parse({ mode: "shared", subnet: "192.168.42.1", mask: "255.255.255.0" });
    expect(byNetwork.ok && byHost.ok && byNetwork.config.subnet === byHost.config.subnet).toBe(true);
  });

  it("checks DHCP reservations against the network the host address names", () => {
    const result = parse({
      mode: "shared",
      subnet: "192.168.42.1",
      mask: "255.255.255.0",
      dhcp_reservations: [{ mac: "52:54:00:00:00:01", ip: "192.168.42.10" }],
    });
    expect(result.ok).toBe(true);
  });
});

describe("parseNetworkFile: explicit settings", () => {
  it("records exactly the switches the file set, whatever their values", () => {
    const result = parse({ mode: "host", mtu: 1500, dns: true, nat66: false });
    expect(result.ok && [...(result.config.explicitSettings ?? [])].sort()).toEqual(["dns", "mtu", "nat66"]);
    const bare = parse({ mode: "host" });
    expect(bare.ok && bare.config.explicitSettings?.size).toBe(0);
  });
});

describe("parseNetworkFile: a reservation's user", () => {
  const lab = (user: unknown) =>
    parse({
      mode: "shared",
      subnet: "10.9.0.0",
      mask: "255.255.255.0",
      dhcp_reservations: [{ mac: "52:54:00:00:0a:0a", ip: "10.9.0.10", user }],
    });

  it("takes a user name or a uid", () => {
    expect(lab("alice")).toMatchObject({ ok: true, config: { dhcpReservations: [{ mac: "52:54:00:00:0a:0a", uid: 1000 }] } });
    expect(lab(1001)).toMatchObject({ ok: true, config: { dhcpReservations: [{ uid: 1001 }] } });
  });

  it("names an unknown user or a bad value, with the field", () => {
    expect(lab("mallory")).toMatchObject({ ok: false, errors: [expect.stringMatching(/dhcp_reservations\[0\]\.user'?: no user named/)] });
    expect(lab(-1)).toMatchObject({ ok: false, errors: [expect.stringMatching(/dhcp_reservations\[0\]\.user'?: .*neither/)] });
  });
});
