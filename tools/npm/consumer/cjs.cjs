// SPDX-License-Identifier: Apache-2.0
// A CommonJS user of the installed package: require() of the ESM package
// (Node >= 20.19), then one exchange with the broker at VMNET_BROKER_SOCKET.
"use strict";
const { BrokerClient } = require("@vmnet-broker/client");

BrokerClient.connect()
  .then(async (broker) => {
    try {
      const hello = await broker.hello();
      const network = await broker.acquireNetwork("shared");
      console.log(JSON.stringify({ platform: hello.platform, network: network.name }));
    } finally {
      await broker.close();
    }
  })
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
