// SPDX-License-Identifier: Apache-2.0
// The cold floor's veth steps through the broker's own path: the daemon's addon, the
// same four calls as openVethOnBridge (src/backend/linux/veth.ts) in the same order
// (one RTM_NEWLINK with the peer's IFLA_NET_NS_FD, enslave, up, up inside the guest
// namespace from the addon's helper thread), minus the wrapper's name checks.
// Started by cold-floor-inner.sh before its clock starts: it loads the addon, prints
// "ready", then for each line "BRIDGE" on stdin makes the pair and prints "ok" (or
// "error MESSAGE"). Ends when stdin closes.
//   node bench/veth-floor.mjs NETNS_FD MTU     (after `tsc -p .`)
import { createInterface } from "node:readline";

const [netnsFd, mtu] = process.argv.slice(2).map(Number);
if (!Number.isInteger(netnsFd) || !Number.isInteger(mtu)) {
  console.error("usage: veth-floor.mjs NETNS_FD MTU");
  process.exit(2);
}
const { linuxNative } = await import(new URL("../dist/backend/linux/native.js", import.meta.url).href);
const native = linuxNative();
const name = "vmveth-floor";
const peerName = "eth0";

process.stdout.write("ready\n");
for await (const bridge of createInterface({ input: process.stdin })) {
  try {
    native.createVeth({ name, mtu, peerName, peerMac: "52:54:00:f1:00:01", peerNetnsFd: netnsFd });
    native.addToBridge(bridge, name);
    native.setUp(name);
    native.setUpInNetns(netnsFd, peerName);
    process.stdout.write("ok\n");
  } catch (error) {
    process.stdout.write(`error ${String(error instanceof Error ? error.message : error).replaceAll("\n", " ")}\n`);
  }
}
