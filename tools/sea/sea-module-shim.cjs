// SPDX-License-Identifier: Apache-2.0
// Stands in for "node:module" inside the single executable. Bundled code loads
// its native addons with createRequire(import.meta.url)("node-gyp-build")(dir);
// in the executable there is no node_modules, so this createRequire answers
// "node-gyp-build" with a loader that opens the .node file beside the executable.
// Everything else is the real node:module.
"use strict";
const realModule = process.getBuiltinModule("node:module");
const path = require("node:path");

/** Package directory name -> addon file shipped beside the executable. */
const ADDONS = {
  "broker-daemon": "vmnet_broker_daemon.node",
  "client-ts": "vmnet_broker_socket.node",
};

function loadAddonBesideExecutable(packageDir) {
  const name = path.basename(path.resolve(packageDir));
  const file = ADDONS[name];
  if (file === undefined) throw new Error(`single executable: no addon is shipped for package '${name}'`);
  const explicit = name === "broker-daemon" ? process.env.VMNET_BROKER_ADDON : undefined;
  const addonPath = explicit || path.join(path.dirname(process.execPath), file);
  const module = { exports: {} };
  process.dlopen(module, addonPath);
  return module.exports;
}

function createRequire(from) {
  const real = realModule.createRequire(process.execPath);
  const seaRequire = (id) => (id === "node-gyp-build" ? loadAddonBesideExecutable : real(id));
  seaRequire.resolve = real.resolve;
  seaRequire.cache = real.cache;
  void from;
  return seaRequire;
}

module.exports = { ...realModule, createRequire };
