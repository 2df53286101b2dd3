// SPDX-License-Identifier: Apache-2.0
import { Status } from "@vmnet-broker/client/protocol";
import { describe, expect, it } from "vitest";
import { formatStatus } from "./format-status.js";

const now = new Date("2030-01-01T00:00:00Z");
const nowUnix = now.getTime() / 1000;

const status = Status.fromPartial({
  brokerVersion: "1.0.0",
  platform: "linux",
  networks: [
    {
      network: { name: "shared", subnet: "192.168.105.0", mask: "255.255.255.0", gateway: "192.168.105.1" },
      live: true,
      references: 1,
      leases: [
        { mac: "52:54:00:00:00:01", ip: "192.168.105.10", hostname: "alive", expiresUnix: BigInt(nowUnix + 1800) },
        { mac: "52:54:00:00:00:02", ip: "192.168.105.11", hostname: "gone", expiresUnix: BigInt(nowUnix - 60) },
        { mac: "52:54:00:00:00:03", ip: "192.168.105.12", hostname: "static", expiresUnix: 0n },
      ],
    },
  ],
});

describe("formatStatus leases", () => {
  it("hides leases whose expiry has passed, and says how many", () => {
    const text = formatStatus(status, { now });
    expect(text).toMatch(/shared +192\.168\.105\.10 +52:54:00:00:00:01 +alive +in 30m/);
    expect(text).toMatch(/static +never/);
    expect(text).not.toContain("gone");
    expect(text).toContain("(1 expired, not shown; --all shows them)");
  });

  it("shows them marked expired with all", () => {
    const text = formatStatus(status, { now, all: true });
    expect(text).toMatch(/192\.168\.105\.11 +52:54:00:00:00:02 +gone +expired/);
    expect(text).not.toContain("not shown");
  });
});

describe("formatStatus overlays", () => {
  const overlaid = Status.fromPartial({
    networks: [
      { network: { name: "plain" }, live: true },
      {
        network: { name: "lab" },
        overlay: { vni: 4242, underlay: "eth1", port: 4789, peers: ["10.0.0.2", "10.0.0.3"], servesDhcp: false },
      },
    ],
  });

  it("lists each overlay network with its VNI, underlay, port, DHCP role and peers", () => {
    const text = formatStatus(overlaid, { now });
    expect(text).toMatch(
      /OVERLAYS\nNETWORK +VNI +UNDERLAY +LOCAL +PORT +DHCP +PEERS\nlab +4242 +eth1 +auto +4789 +none +10\.0\.0\.2,10\.0\.0\.3\n\n/,
    );
  });

  it("leaves the section out when no network has an overlay", () => {
    expect(formatStatus(status, { now })).not.toContain("OVERLAYS");
  });
});
