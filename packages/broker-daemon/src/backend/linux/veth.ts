/**
 * A veth pair for a container or a namespace: the near end `vmveth-<hex>` is a
 * port of the bridge; the far end is created directly inside the namespace behind
 * the client's fd, already named `ifname`, then brought up there.
 *
 * iproute2 reaches the namespace fd as /proc/<broker pid>/fd/<fd>, like any
 * namespace file; the far end is brought up by the addon (setns from a helper
 * thread), which spares the broker a child process. Inside a rootless sandbox this
 * fails (EPERM) for namespaces the sandbox's user namespace does not own.
 */
import { CreateFailure, type OpenedInterface } from "../../core/backend.js";
import { deleteLink } from "./bridge.js";
import { randomInterfaceName, randomMac, VETH_PREFIX } from "./names.js";
import { linuxNative } from "./native.js";
import { runTool } from "./run-tool.js";

const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;

export async function openVethOnBridge(bridge: string, mtu: number, netnsFd: number, ifname: string): Promise<OpenedInterface> {
  if (!IFNAME.test(ifname) || ifname === "." || ifname === "..") {
    throw new CreateFailure(`veth: '${ifname}' is not a valid interface name (1-15 of A-Z a-z 0-9 _ . -)`);
  }
  const native = linuxNative();
  let name = randomInterfaceName(VETH_PREFIX);
  while (native.interfaceIndex(name) !== 0) name = randomInterfaceName(VETH_PREFIX);
  const netnsPath = `/proc/${process.pid}/fd/${netnsFd}`;
  const mac = randomMac();
  try {
    await runTool("ip", [
      "link",
      "add",
      name,
      "mtu",
      String(mtu),
      "type",
      "veth",
      "peer",
      "name",
      ifname,
      "address",
      mac,
      "mtu",
      String(mtu),
      "netns",
      netnsPath,
    ]);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new CreateFailure(`veth into ${netnsPath} as ${ifname}: ${message}`, { cause: error });
  }
  try {
    native.addToBridge(bridge, name);
    native.setUp(name);
    native.setUpInNetns(netnsFd, ifname);
  } catch (error) {
    // Deleting one end deletes the pair.
    await deleteLink(name);
    const message = error instanceof Error ? error.message : String(error);
    throw new CreateFailure(`veth ${name} on ${bridge}: ${message}`, { cause: error });
  }
  return { name, peerIfname: ifname, mac, fds: [] };
}
