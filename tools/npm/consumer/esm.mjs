// SPDX-License-Identifier: Apache-2.0
// An ESM user of the installed package: acquires `shared` and opens a TAP on it
// from the broker at VMNET_BROKER_SOCKET, then prints what it got as JSON.
import { closeSync } from "node:fs";
import { BrokerClient, BrokerError, ErrorCodes } from "@vmnet-broker/client";
import { ErrorCode } from "@vmnet-broker/client/protocol";

const broker = await BrokerClient.connect();
try {
  const network = await broker.acquireNetwork("shared");
  const tap = await broker.openTap(network);
  for (const fd of tap.fds) closeSync(fd);
  const missing = await broker.acquireNetwork("no-such-network").catch((error) => error);
  const notFound = missing instanceof BrokerError && missing.code === ErrorCodes.NotFound;
  console.log(JSON.stringify({ network: network.name, subnet: network.subnet, tap: tap.name, notFound, codec: typeof ErrorCode }));
} finally {
  await broker.close();
}
