// SPDX-License-Identifier: Apache-2.0
/** NetworkConfig translated into vmnet's terms (pure, so it is tested on Linux). */
import { formatIPv4, parseIPv4 } from "../../config/ipv4.js";
import type { ExplicitSetting, NetworkConfig } from "../../config/network-config.js";
import type { VmnetCreateOptions } from "../../transport/xpc/darwin-native.js";

export function vmnetOptionsFor(config: NetworkConfig): VmnetCreateOptions {
  // vmnet has no way to add a VXLAN port to its network: refuse rather than
  // create a network that silently reaches no other host.
  if (config.overlay !== undefined) {
    throw new Error(
      `${config.source}: network '${config.name}': overlay (VXLAN to other hosts) works only on Linux; vmnet cannot carry it`,
    );
  }
  const options: {
    -readonly [K in keyof VmnetCreateOptions]: VmnetCreateOptions[K];
  } = {
    mode: config.mode,
    // vmnet's defaults are what the existing broker gets: a switch is turned
    // off only when a file says so.
    nat44: !turnedOff(config, "nat44", config.nat44),
    nat66: !turnedOff(config, "nat66", config.nat66),
    dhcp: !turnedOff(config, "dhcp", config.dhcp),
    dnsProxy: !turnedOff(config, "dns", config.dns),
    routerAdvertisement: !turnedOff(config, "router_advertisement", config.routerAdvertisement),
    portForwarding: config.portForwarding.map((rule) => {
      // The Linux backend forwards to IPv6 guests too; vmnet's rule takes IPv4 only.
      if (rule.internalAddress.includes(":")) {
        throw new Error(
          `${config.source}: network '${config.name}': port_forwarding to ${rule.internalAddress}: vmnet forwards to IPv4 addresses only`,
        );
      }
      return {
        protocol: rule.protocol,
        externalPort: rule.externalPort,
        internalAddress: rule.internalAddress,
        internalPort: rule.internalPort,
      };
    }),
    dhcpReservations: config.dhcpReservations.map((r) => ({ mac: r.mac, ip: r.ip })),
  };
  if (config.subnet !== undefined && config.mask !== undefined) {
    const network = parseIPv4(config.subnet);
    const mask = parseIPv4(config.mask);
    if (network === undefined || mask === undefined) {
      throw new Error(`${config.source}: network '${config.name}': subnet ${config.subnet}/${config.mask} is not IPv4`);
    }
    // vmnet wants the first usable address; passing the network address makes
    // Virtualization fail later with "Internal Network Error".
    options.subnetGateway = formatIPv4((((network & mask) >>> 0) + 1) >>> 0);
    options.subnetMask = config.mask;
  }
  if (config.ipv6Prefix !== undefined) {
    const [address, length] = config.ipv6Prefix.split("/");
    if (!address || length === undefined || !/^\d{1,3}$/.test(length) || Number(length) > 128) {
      throw new Error(`${config.source}: network '${config.name}': ipv6Prefix ${config.ipv6Prefix} is not address/length`);
    }
    options.ipv6Prefix = address;
    options.ipv6PrefixLength = Number(length);
  }
  if (config.externalInterface !== undefined) options.externalInterface = config.externalInterface;
  if (config.explicitSettings?.has("mtu")) options.mtu = config.mtu;
  return options;
}

function turnedOff(config: NetworkConfig, field: ExplicitSetting, value: boolean): boolean {
  return config.explicitSettings?.has(field) === true && !value;
}
