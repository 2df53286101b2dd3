// SPDX-License-Identifier: Apache-2.0
/**
 * A veth pair for a container or a namespace: the near end `vmveth-<hex>` is a
 * port of the bridge; the far end is created directly inside the namespace behind
 * the client's fd, already named `ifname`, then brought up there.
 *
 * Everything is the addon's, with no child process (each one costs the broker a
 * fork of Node): one RTM_NEWLINK makes the pair with the far end inside the
 * namespace, ioctls enslave and raise the near end, and a helper thread that enters
 * the namespace raises the far end. Whether the peer may use that namespace and
 * name is decided before, by netns-access.ts. Inside a rootless sandbox this fails
 * (EPERM) for namespaces the sandbox's user namespace does not own.
 */
import { CreateFailure, type OpenedInterface } from "../../core/backend.js";
import { deleteLink } from "./bridge.js";
import { randomInterfaceName, randomMac, VETH_PREFIX } from "./names.js";
import { linuxNative } from "./native.js";

const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;

export async function openVethOnBridge(bridge: string, mtu: number, netnsFd: number, ifname: string): Promise<OpenedInterface> {
  if (!IFNAME.test(ifname) || ifname === "." || ifname === "..") {
    throw new CreateFailure(`veth: '${ifname}' is not a valid interface name (1-15 of A-Z a-z 0-9 _ . -)`);
  }
  const native = linuxNative();
  let name = randomInterfaceName(VETH_PREFIX);
  while (native.interfaceIndex(name) !== 0) name = randomInterfaceName(VETH_PREFIX);
  const mac = randomMac();
  try {
    native.createVeth({ name, mtu, peerName: ifname, peerMac: mac, peerNetnsFd: netnsFd });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new CreateFailure(`veth into the namespace of fd ${netnsFd} as ${ifname}: ${message}`, { cause: error });
  }
  try {
    native.addToBridge(bridge, name);
    native.setUp(name);
    native.setUpInNetns(netnsFd, ifname);
  } catch (error) {
    // Deleting one end deletes the pair.
    deleteLink(name);
    const message = error instanceof Error ? error.message : String(error);
    throw new CreateFailure(`veth ${name} on ${bridge}: ${message}`, { cause: error });
  }
  return { name, peerIfname: ifname, mac, fds: [] };
}
