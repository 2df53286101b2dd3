// SPDX-License-Identifier: Apache-2.0
import { Network, NetworkMode } from "@vmnet-broker/client/protocol";
import type { ManagedNetwork } from "./registry.js";

/** A network, live or only configured, as the protocol's Network message. */
export function describeNetwork(network: Pick<ManagedNetwork, "config" | "live">): Network {
  const info = network.live?.info;
  return Network.create({
    name: network.config.name,
    mode: network.config.mode === "host" ? NetworkMode.NETWORK_MODE_HOST : NetworkMode.NETWORK_MODE_SHARED,
    description: network.config.description,
    subnet: info?.subnet ?? "",
    mask: info?.mask ?? "",
    gateway: info?.gateway ?? "",
    ipv6Prefix: info?.ipv6Prefix ?? "",
    mtu: info?.mtu ?? network.config.mtu,
    bridge: info?.bridge ?? "",
    dhcp: network.config.dhcp,
    dns: network.config.dns,
  });
}
