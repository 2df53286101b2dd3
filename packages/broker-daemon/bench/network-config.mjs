// SPDX-License-Identifier: Apache-2.0
// The network definition the benches hand to the Linux backend directly: the
// built-in `shared` network's settings on a static /24 (no dynamic subnet scan).

/** A shared network named `name` on `subnet`/24. */
export function benchNetworkConfig(name, subnet) {
  return {
    name,
    description: "",
    mode: "shared",
    mtu: 1500,
    dhcp: true,
    dns: true,
    dhcpReservations: [],
    nat44: true,
    nat66: false,
    routerAdvertisement: false,
    portForwarding: [],
    source: "bench",
    subnet,
    mask: "255.255.255.0",
  };
}
