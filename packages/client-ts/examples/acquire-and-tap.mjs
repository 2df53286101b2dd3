// SPDX-License-Identifier: Apache-2.0
// Acquire the "shared" network, open a TAP on it, print both, then release
// everything by closing the connection (the connection is the lease).
//   VMNET_BROKER_SOCKET=/tmp/vmnet-broker.sock node examples/acquire-and-tap.mjs
import { closeSync } from "node:fs";
import { BrokerClient, BrokerError } from "@vmnet-broker/client";

const broker = await BrokerClient.connect();
try {
  const network = await broker.acquireNetwork("shared");
  console.log(`network ${network.name} (${network.mode}): ${network.subnet}/${network.mask}, gateway ${network.gateway}, bridge ${network.bridge}, mtu ${network.mtu}`);
  const tap = await broker.openTap(network, { vnetHeader: true });
  console.log(`tap ${tap.name} mac ${tap.mac} fds ${tap.fds.join(",")}`);
  // A VM would now use tap.fds; this example just lets go of them.
  for (const fd of tap.fds) closeSync(fd);
} catch (error) {
  if (error instanceof BrokerError) console.error(`broker said ${error.codeName}: ${error.message}`);
  process.exitCode = 1;
} finally {
  await broker.close();
}
