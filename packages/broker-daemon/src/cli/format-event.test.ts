// SPDX-License-Identifier: Apache-2.0
import type { BrokerEvent } from "@vmnet-broker/client";
import { describe, expect, it } from "vitest";
import { eventToJson, formatEvent } from "./format-event.js";
import { formatLease } from "./lease.js";

const lease = { network: "shared", mac: "52:54:00:aa:bb:cc", ip: "10.0.0.7", ipv6: [], hostname: "vm", expiresUnix: 0 };
const base = { sequence: 7n, time: new Date(Date.UTC(2026, 10, 30, 14, 0, 0)), interface: "", peerId: 0n, uid: 0 };

describe("formatEvent", () => {
  it("prints time, type, network and attributes on one line", () => {
    const event: BrokerEvent = { ...base, type: "lease-added", network: "shared", lease };
    expect(formatEvent(event, () => undefined)).toBe(
      "2026-11-30T14:00:00.000Z lease-added shared (seq=7, mac=52:54:00:aa:bb:cc, ip=10.0.0.7, hostname=vm)",
    );
  });

  it("names the user of peer and interface events", () => {
    const event: BrokerEvent = { ...base, type: "interface-opened", network: "shared", interface: "vmtap0", peerId: 3n, uid: 1000 };
    expect(formatEvent(event, (uid) => (uid === 1000 ? "alice" : undefined))).toBe(
      "2026-11-30T14:00:00.000Z interface-opened shared (seq=7, interface=vmtap0, peer=3, user=alice)",
    );
    expect(formatEvent({ ...base, type: "peer-gone", network: "", peerId: 4n, uid: 1001 }, () => undefined)).toContain(
      "peer-gone - (seq=7, peer=4, user=1001)",
    );
  });

  it("gives scripts JSON with only the fields that apply", () => {
    expect(eventToJson({ ...base, type: "network-created", network: "shared" })).toEqual({
      sequence: 7,
      time: "2026-11-30T14:00:00.000Z",
      type: "network-created",
      network: "shared",
    });
  });
});

describe("formatLease", () => {
  it("puts the address first", () => {
    expect(formatLease(lease)).toBe("10.0.0.7 52:54:00:aa:bb:cc shared hostname=vm expires=never");
  });
});
