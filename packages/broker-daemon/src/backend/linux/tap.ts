// SPDX-License-Identifier: Apache-2.0
/**
 * A TAP for a VM: created by the addon (no child process on this path), MTU set
 * to the bridge's, enslaved, up. The caller owns the returned fds; a TAP opened
 * by fd is not persistent and vanishes with the last of them, a named one stays
 * (owned by the peer) until removeInterface deletes it.
 */
import { existsSync, openSync } from "node:fs";
import { CreateFailure, type OpenedInterface, type TapOptions, Unsupported } from "../../core/backend.js";
import { deleteLink } from "./bridge.js";
import { randomInterfaceName, TAP_PREFIX } from "./names.js";
import { linuxNative } from "./native.js";

export const VHOST_NET = "/dev/vhost-net";

export async function openTapOnBridge(
  bridge: string,
  mtu: number,
  options: TapOptions,
  vhostNetDevice = VHOST_NET,
): Promise<OpenedInterface> {
  // Before anything exists, so that nothing needs undoing.
  if (options.vhostNet && !existsSync(vhostNetDevice)) {
    throw new Unsupported(`vhost-net: this host has no ${vhostNetDevice} (kernel module vhost_net not loaded or not built)`);
  }
  const native = linuxNative();
  let name = randomInterfaceName(TAP_PREFIX);
  while (native.interfaceIndex(name) !== 0) name = randomInterfaceName(TAP_PREFIX);
  let fds: number[] = [];
  const vhostFds: number[] = [];
  let created = "";
  try {
    const tap = native.openTap({
      name,
      vnetHeader: options.vnetHeader,
      queues: options.queues,
      ownerUid: options.ownerUid,
      ownerGid: options.ownerGid,
      persistent: options.named,
    });
    fds = tap.fds;
    created = tap.name;
    native.setMtu(tap.name, mtu);
    native.addToBridge(bridge, tap.name);
    native.setUp(tap.name);
    if (options.vhostNet) for (let q = 0; q < options.queues; q++) vhostFds.push(openSync(vhostNetDevice, "r+"));
    const mac = native.macAddress(tap.name);
    if (options.named) {
      // The VMM attaches by name: the broker keeps no fd of its own.
      for (const fd of fds) native.closeFd(fd);
      fds = [];
    }
    return { name: tap.name, peerIfname: "", mac, fds, vhostFds };
  } catch (error) {
    // Closing every queue fd removes the half-made device, unless persistent.
    for (const fd of [...fds, ...vhostFds]) native.closeFd(fd);
    if (options.named && created !== "") await deleteLink(created);
    const message = error instanceof Error ? error.message : String(error);
    throw new CreateFailure(`TAP on ${bridge}: ${message}`, { cause: error });
  }
}
