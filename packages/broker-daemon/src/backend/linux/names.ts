// SPDX-License-Identifier: Apache-2.0
/**
 * Names of everything this backend creates. Each kind has a prefix that marks it
 * as ours, so that leftovers of a killed broker can be found and removed:
 *
 * - bridges `vmbr-<short>` (the hyphen keeps Proxmox's `vmbr0`, `vmbr1`... apart),
 * - TAP devices `vmtap-<8 hex>`, veth host ends `vmveth-<8 hex>`,
 * - VXLAN devices of overlay networks `vmvx-<short>`,
 * - nftables tables `inet vmnet_broker_<short>`,
 * - runtime files under `<runtimeDir>/linux/<short>/`.
 *
 * `<short>` is the network name when it is 1-10 characters of [a-z0-9], else the
 * first 5 such characters of it followed by 5 hex digits of its SHA-1.
 */
import { createHash, randomBytes } from "node:crypto";

export const BRIDGE_PREFIX = "vmbr-";
export const TAP_PREFIX = "vmtap-";
export const VETH_PREFIX = "vmveth-";
export const VXLAN_PREFIX = "vmvx-";
export const TABLE_PREFIX = "vmnet_broker_";
/** Subdirectory of the runtime dir that holds one directory per network. */
export const RUNTIME_SUBDIR = "linux";

/** Linux interface names are at most 15 bytes (IFNAMSIZ - 1). */
export const MAX_IFNAME = 15;

export function shortId(networkName: string): string {
  if (/^[a-z0-9]{1,10}$/.test(networkName)) return networkName;
  const letters = networkName
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "")
    .slice(0, 5);
  const hash = createHash("sha1").update(networkName).digest("hex").slice(0, 5);
  return letters + hash;
}

export function bridgeName(networkName: string): string {
  return BRIDGE_PREFIX + shortId(networkName);
}

export function vxlanName(networkName: string): string {
  return VXLAN_PREFIX + shortId(networkName);
}

export function tableName(networkName: string): string {
  return TABLE_PREFIX + shortId(networkName);
}

/** A fresh random name with `prefix`; the caller checks it is free. */
export function randomInterfaceName(prefix: string): string {
  return prefix + randomBytes(4).toString("hex");
}

/** True for interfaces this backend made (any kind). */
export function isOurInterface(name: string): boolean {
  return name.startsWith(BRIDGE_PREFIX) || name.startsWith(TAP_PREFIX) || name.startsWith(VETH_PREFIX) || name.startsWith(VXLAN_PREFIX);
}

/** A locally administered unicast MAC (bit 1 of the first byte set, bit 0 clear). */
export function randomMac(): string {
  const bytes = randomBytes(6);
  bytes[0] = ((bytes[0] ?? 0) & 0xfc) | 0x02;
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(":");
}
