// SPDX-License-Identifier: Apache-2.0
import { Network, NetworkMode, PortForward, TransportProtocol } from "@vmnet-broker/client/protocol";
import type { PortForwardingRule } from "../config/network-config.js";
import type { NetworkInfo } from "./backend.js";
import type { ManagedNetwork } from "./registry.js";

/**
 * A live network's description, built once: every acquire of it replies with the
 * same message. Keyed by its info and checked against its config (both immutable;
 * a reload brings a new config object). Callers never modify the message.
 */
const described = new WeakMap<NetworkInfo, { config: ManagedNetwork["config"]; message: Network }>();

/** A network, live or only configured, as the protocol's Network message. */
export function describeNetwork(network: Pick<ManagedNetwork, "config" | "live">): Network {
  const info = network.live?.info;
  if (info === undefined) return build(network);
  const cached = described.get(info);
  if (cached?.config === network.config) return cached.message;
  const message = build(network);
  described.set(info, { config: network.config, message });
  return message;
}

function build(network: Pick<ManagedNetwork, "config" | "live">): Network {
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
