/**
 * A TAP for a VM: created by the addon (no child process on this path), MTU set
 * to the bridge's, enslaved, up. The caller owns the returned fds; the device is
 * not persistent and vanishes with the last of them.
 */
import { CreateFailure, type OpenedInterface, type TapOptions } from "../../core/backend.js";
import { randomInterfaceName, TAP_PREFIX } from "./names.js";
import { linuxNative } from "./native.js";

export function openTapOnBridge(bridge: string, mtu: number, options: TapOptions): OpenedInterface {
  const native = linuxNative();
  let name = randomInterfaceName(TAP_PREFIX);
  while (native.interfaceIndex(name) !== 0) name = randomInterfaceName(TAP_PREFIX);
  let fds: number[] = [];
  try {
    const tap = native.openTap({
      name,
      vnetHeader: options.vnetHeader,
      queues: options.queues,
      ownerUid: options.ownerUid,
      ownerGid: options.ownerGid,
    });
    fds = tap.fds;
    native.setMtu(tap.name, mtu);
    native.addToBridge(bridge, tap.name);
    native.setUp(tap.name);
    return { name: tap.name, peerIfname: "", mac: native.macAddress(tap.name), fds };
  } catch (error) {
    // Closing every queue fd removes the half-made device.
    for (const fd of fds) native.closeFd(fd);
    const message = error instanceof Error ? error.message : String(error);
    throw new CreateFailure(`TAP on ${bridge}: ${message}`, { cause: error });
  }
}
