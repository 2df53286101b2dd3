// SPDX-License-Identifier: Apache-2.0
// Runs first in the single executable: tells the daemon where its addon and its
// version are, since neither node_modules nor package.json ships with it.
"use strict";
const path = require("node:path");

process.env.VMNET_BROKER_ADDON ||= path.join(path.dirname(process.execPath), "vmnet_broker_daemon.node");
process.env.VMNET_BROKER_VERSION ||= VMNET_BROKER_SEA_VERSION; // replaced at build time
if (VMNET_BROKER_SEA_COMMIT) process.env.VMNET_BROKER_COMMIT ||= VMNET_BROKER_SEA_COMMIT;
