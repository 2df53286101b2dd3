// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from "vitest";
import { fillPlaceholders, runEnvironment } from "./run-placeholders.js";

const tap = {
  network: { name: "shared", gateway: "192.168.105.1", subnet: "192.168.105.0", mask: "255.255.255.0" },
  name: "vmtap-1",
  fds: [3, 4],
  vhostFds: [5, 6],
  guestMac: "52:54:00:ab:cd:ef",
};

describe("run placeholders", () => {
  it("fills {mac}, {fd}, {fds} and {tap} anywhere in an argument, every time", () => {
    expect(fillPlaceholders(["-netdev", "tap,id=n0,fds={fds}", "virtio-net-pci,mac={mac}", "{fd}{fd}", "{tap}", "{other}"], tap)).toEqual([
      "-netdev",
      "tap,id=n0,fds=3:4",
      "virtio-net-pci,mac=52:54:00:ab:cd:ef",
      "33",
      "vmtap-1",
      "{other}",
    ]);
  });

  it("fills {vhostfd} and {vhostfds}, and refuses fd placeholders that have no fd behind them", () => {
    expect(fillPlaceholders(["vhostfd={vhostfd}", "vhostfds={vhostfds}"], tap)).toEqual(["vhostfd=5", "vhostfds=5:6"]);
    expect(() => fillPlaceholders(["fd={fd}"], { ...tap, fds: [] })).toThrow(/--tap-name gives the TAP by name: use \{tap\}/);
    expect(() => fillPlaceholders(["{vhostfds}"], { ...tap, vhostFds: [] })).toThrow(/add --vhost-net/);
    expect(fillPlaceholders(["ifname={tap}"], { ...tap, fds: [], vhostFds: [] })).toEqual(["ifname=vmtap-1"]);
  });

  it("refuses {mac} when the broker picked none", () => {
    expect(() => fillPlaceholders(["mac={mac}"], { ...tap, guestMac: "" })).toThrow(/no guest MAC/);
    expect(fillPlaceholders(["fd={fd}"], { ...tap, guestMac: "" })).toEqual(["fd=3"]);
  });

  it("puts the TAP and the network in the environment, over the base", () => {
    const env = runEnvironment(tap, { PATH: "/bin", VMNET_BROKER_GUEST_MAC: "stale" });
    expect(env).toMatchObject({
      PATH: "/bin",
      VMNET_BROKER_TAP_FDS: "3,4",
      VMNET_BROKER_VHOST_FDS: "5,6",
      VMNET_BROKER_TAP_NAME: "vmtap-1",
      VMNET_BROKER_GUEST_MAC: "52:54:00:ab:cd:ef",
      VMNET_BROKER_NETWORK: "shared",
      VMNET_BROKER_GATEWAY: "192.168.105.1",
    });
  });
});
