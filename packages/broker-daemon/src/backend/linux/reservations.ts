// SPDX-License-Identifier: Apache-2.0
/**
 * DHCP reservations are written into dnsmasq's config, so each is checked here
 * even though the config loader validates them too: a MAC, and an address inside
 * the network's DHCP range (never the gateway or broadcast).
 */
import { formatSubnet, parseIPv4 } from "../../config/ipv4.js";
import type { DhcpReservation } from "../../config/network-config.js";
import { CreateFailure } from "../../core/backend.js";
import type { SubnetPlan } from "./subnets.js";

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export function checkReservations(networkName: string, plan: SubnetPlan, reservations: readonly DhcpReservation[]): DhcpReservation[] {
  const first = parseIPv4(plan.dhcpFirst) ?? 0;
  const last = parseIPv4(plan.dhcpLast) ?? 0;
  return reservations.map((reservation) => {
    const mac = reservation.mac.toLowerCase();
    const ip = parseIPv4(reservation.ip);
    const what = `network '${networkName}': DHCP reservation ${reservation.mac} -> ${reservation.ip}`;
    if (!MAC.test(mac)) throw new CreateFailure(`${what}: not a MAC address (aa:bb:cc:dd:ee:ff)`);
    if (ip === undefined || ip < first || ip > last) {
      throw new CreateFailure(`${what} is outside ${formatSubnet(plan.subnet)} (usable ${plan.dhcpFirst} to ${plan.dhcpLast})`);
    }
    return { mac, ip: reservation.ip };
  });
}
