// SPDX-License-Identifier: Apache-2.0
import { Status, TransportProtocol } from "@vmnet-broker/client/protocol";
import { describe, expect, it } from "vitest";
import { formatStatus } from "./format-status.js";
import { statusToJson } from "./status-json.js";

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

describe("formatStatus port forwards", () => {
  const forwarding = Status.fromPartial({
    networks: [
      {
        network: {
          name: "web",
          portForwards: [
            { protocol: TransportProtocol.TRANSPORT_PROTOCOL_TCP, externalPort: 8080, internalAddress: "10.77.0.10", internalPort: 80 },
            { protocol: TransportProtocol.TRANSPORT_PROTOCOL_UDP, externalPort: 8053, internalAddress: "fd00:77::10", internalPort: 53 },
          ],
        },
      },
      { network: { name: "plain" } },
    ],
  });

  it("lists each network's forwards, IPv6 targets in brackets", () => {
    const text = formatStatus(forwarding, { now });
    expect(text).toContain(
      "PORT FORWARDS\nNETWORK  PROTO  HOST PORT  GUEST\nweb      tcp    8080       10.77.0.10:80\nweb      udp    8053       [fd00:77::10]:53\n",
    );
  });

  it("leaves the section out when no network forwards a port", () => {
    expect(formatStatus(status, { now })).not.toContain("PORT FORWARDS");
  });

  it("gives them to --json with the protocol by name", () => {
    const json = statusToJson(forwarding) as { networks: Array<{ network: { port_forwards: unknown[] } }> };
    expect(json.networks[0]?.network.port_forwards).toEqual([
      { protocol: "tcp", external_port: 8080, internal_address: "10.77.0.10", internal_port: 80 },
      { protocol: "udp", external_port: 8053, internal_address: "fd00:77::10", internal_port: 53 },
    ]);
    expect(json.networks[1]?.network.port_forwards).toEqual([]);
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
