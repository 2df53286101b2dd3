// SPDX-License-Identifier: Apache-2.0
import type { NetworkConfig } from "./network-config.js";

const common = {
  description: "",
  mtu: 1500,
  dhcpReservations: [],
  portForwarding: [],
  nat44: true,
  nat66: true,
  routerAdvertisement: true,
  source: "built-in",
} as const;

/** The networks every broker offers without configuration; files may redefine them. */
export const BUILTIN_NETWORKS: readonly NetworkConfig[] = [
  {
    ...common,
    name: "shared",
    description: "NAT to the host's uplinks, with DHCP and DNS",
    mode: "shared",
    dhcp: true,
    dns: true,
  },
  {
    ...common,
    name: "host",
    description: "Host-only: guests reach each other and the host, nothing beyond",
    mode: "host",
    dhcp: true,
    // Like vmnet's host mode: the host answers DNS even though guests get no route out.
    dns: true,
    nat44: false,
    nat66: false,
  },
];
