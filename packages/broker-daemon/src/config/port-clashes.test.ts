// SPDX-License-Identifier: Apache-2.0
// One host port forwarded by two networks: the later file loses, and the message
// names both networks and both files; from files on disk, as check-config and
// status report it.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { testAccounts } from "../core/fake-backend.test-util.js";
import { loadConfig } from "./load.js";
import type { NetworkConfig, PortForwardingRule } from "./network-config.js";
import { findPortClashes } from "./port-clashes.js";

const forward = (protocol: "tcp" | "udp", externalPort: number, internalAddress = "10.1.0.10"): PortForwardingRule => ({
  protocol,
  externalPort,
  internalAddress,
  internalPort: 80,
});

const net = (name: string, portForwarding: PortForwardingRule[]): NetworkConfig => ({
  name,
  description: "",
  mode: "shared",
  mtu: 1500,
  dhcp: true,
  dns: true,
  dhcpReservations: [],
  nat44: true,
  nat66: true,
  routerAdvertisement: true,
  portForwarding,
  source: `/etc/vmnet-broker.d/${name}.json`,
});

describe("findPortClashes", () => {
  it("drops the later network, naming both networks and both files", () => {
    const a = net("a", [forward("tcp", 8080)]);
    const b = net("b", [forward("udp", 8080), forward("tcp", 8080)]);
    expect(findPortClashes([a, b])).toEqual([
      {
        kept: a,
        dropped: b,
        message:
          "/etc/vmnet-broker.d/b.json: field 'port_forwarding': tcp port 8080 of 'b' is forwarded by 'a' (/etc/vmnet-broker.d/a.json) already; 'b' is not offered",
      },
    ]);
  });

  it("counts a port once whatever the family, and keeps other protocols and ports apart", () => {
    const v4 = net("v4", [forward("tcp", 443)]);
    const v6 = net("v6", [forward("tcp", 443, "fd00::10")]);
    expect(findPortClashes([v4, v6]).map((c) => c.dropped.name)).toEqual(["v6"]);
    const udp = net("udp", [forward("udp", 443)]);
    const other = net("other", [forward("tcp", 444)]);
    expect(findPortClashes([v4, udp, other])).toEqual([]);
  });

  it("compares only with networks kept, so a dropped network's ports stay free", () => {
    const a = net("a", [forward("tcp", 1)]);
    const b = net("b", [forward("tcp", 1), forward("tcp", 2)]);
    const c = net("c", [forward("tcp", 2)]);
    expect(findPortClashes([a, b, c]).map((clash) => [clash.dropped.name, clash.kept.name])).toEqual([["b", "a"]]);
  });
});

describe("loadConfig: forwards of two files", () => {
  let dir = "";
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("offers the first file's network and reports the second with both file names", async () => {
    dir = mkdtempSync(join(tmpdir(), "vmnet-broker-clash-"));
    const file = (third: number) => ({
      mode: "shared",
      subnet: `10.${third}.0.0`,
      mask: "255.255.255.0",
      port_forwarding: [{ protocol: "udp", external_port: 5353, internal_address: `10.${third}.0.9`, internal_port: 53 }],
    });
    writeFileSync(join(dir, "alpha.json"), JSON.stringify(file(31)));
    writeFileSync(join(dir, "beta.json"), JSON.stringify(file(32)));
    const config = await loadConfig(dir, { accounts: testAccounts });
    expect(config.networks.has("alpha")).toBe(true);
    expect(config.networks.has("beta")).toBe(false);
    expect(config.broken.has("beta")).toBe(true);
    expect(config.errors).toEqual([
      `${join(dir, "beta.json")}: field 'port_forwarding': udp port 5353 of 'beta' is forwarded by 'alpha' (${join(dir, "alpha.json")}) already; 'beta' is not offered`,
    ]);
  });
});
