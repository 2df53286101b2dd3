// SPDX-License-Identifier: Apache-2.0
import {
  type Network as NetworkMessage,
  NetworkMode,
  type Status as StatusMessage,
} from "./gen/vmnet_broker/v1/broker.js";

/** A network this connection holds (until the connection closes). */
export interface Network {
  readonly name: string;
  /** "shared": NAT to the host's uplinks; "host": host-only. */
  readonly mode: "shared" | "host" | "unspecified";
  readonly description: string;
  /** IPv4 network address, dotted quad. */
  readonly subnet: string;
  /** IPv4 netmask, dotted quad. */
  readonly mask: string;
  /** The host's address on the network: the guests' gateway and DNS server. */
  readonly gateway: string;
  /** IPv6 prefix in CIDR notation; empty without IPv6. */
  readonly ipv6Prefix: string;
  readonly mtu: number;
  /** Linux: the bridge interface. */
  readonly bridge: string;
  readonly dhcp: boolean;
  readonly dns: boolean;
  /** macOS only: the vmnet serialization when carried over bytes; otherwise empty. */
  readonly vmnetSerialization: Uint8Array;
}

/** The broker's whole state (networks, peers, counters), as the protocol defines it. */
export type BrokerStatus = StatusMessage;

export function networkFromMessage(message: NetworkMessage): Network {
  return {
    name: message.name,
    mode: modeName(message.mode),
    description: message.description,
    subnet: message.subnet,
    mask: message.mask,
    gateway: message.gateway,
    ipv6Prefix: message.ipv6Prefix,
    mtu: message.mtu,
    bridge: message.bridge,
    dhcp: message.dhcp,
    dns: message.dns,
    vmnetSerialization: message.vmnetSerialization,
  };
}

function modeName(mode: NetworkMode): Network["mode"] {
  switch (mode) {
    case NetworkMode.NETWORK_MODE_SHARED:
      return "shared";
    case NetworkMode.NETWORK_MODE_HOST:
      return "host";
    default:
      return "unspecified";
  }
}
