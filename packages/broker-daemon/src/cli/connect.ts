// SPDX-License-Identifier: Apache-2.0
import { BrokerClient } from "@vmnet-broker/client";
import { VERSION } from "../version.js";

/** The CLI's own connection: its hello names it, so status tells it from a VM tool. */
export function connectBroker(socketPath: string): Promise<BrokerClient> {
  return BrokerClient.connect({ socketPath, clientName: "vmnet-broker-cli", clientVersion: VERSION });
}
