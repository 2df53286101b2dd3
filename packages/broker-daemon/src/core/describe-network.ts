// SPDX-License-Identifier: Apache-2.0
import { Network, NetworkMode, PortForward, TransportProtocol } from "@vmnet-broker/client/protocol";
import type { PortForwardingRule } from "../config/network-config.js";
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
    portForwards: network.config.portForwarding.map(describeForward),
  });
}

function describeForward(rule: PortForwardingRule): PortForward {
  return PortForward.create({
    protocol: rule.protocol === "tcp" ? TransportProtocol.TRANSPORT_PROTOCOL_TCP : TransportProtocol.TRANSPORT_PROTOCOL_UDP,
    externalPort: rule.externalPort,
    internalAddress: rule.internalAddress,
    internalPort: rule.internalPort,
  });
}
