// SPDX-License-Identifier: Apache-2.0
// Typechecked only: an ES module user of the published types.
import { BrokerClient, BrokerError, type Network, type TapInterface } from "@vmnet-broker/client";

export async function tapOn(name: string): Promise<[Network, TapInterface]> {
  const broker = await BrokerClient.connect({ socketPath: "/run/vmnet-broker/broker.sock" });
  const network: Network = await broker.acquireNetwork(name);
  const tap = await broker.openTap(network, { vnetHeader: true, queues: 2 });
  return [network, tap];
}

export function isBrokerError(error: unknown): error is BrokerError {
  return error instanceof BrokerError;
}
