// SPDX-License-Identifier: Apache-2.0
// Typechecked only: a CommonJS user of the published types, through require().
import client = require("@vmnet-broker/client");

export async function subnetOf(name: string): Promise<string> {
  const broker: client.BrokerClient = await client.BrokerClient.connect();
  const network: client.Network = await broker.acquireNetwork(name);
  await broker.close();
  return network.subnet;
}
