// SPDX-License-Identifier: Apache-2.0
/**
 * For tests: moves the calling thread (vitest's worker) into a brand-new network
 * namespace with `lo` up. Every bridge, table, TAP and dnsmasq the test then makes
 * lives there and vanishes with it; the addon throws unless the namespace really
 * changed, so a test can never touch the machine's own network. Needs root
 * (CAP_SYS_ADMIN). Call it in beforeEach for a fresh namespace per test, and call
 * the returned function in afterEach to go back, so that a worker reused for
 * another test file starts where it began.
 */
import { openSync } from "node:fs";
import { linuxNative } from "../backend/linux/native.js";

export function enterPrivateNetworkNamespace(): () => void {
  const native = linuxNative();
  const original = openSync("/proc/thread-self/ns/net", "r");
  try {
    native.enterNewNetns();
    native.setUp("lo");
  } catch (error) {
    native.closeFd(original);
    throw error;
  }
  return () => {
    try {
      native.enterNetns(original);
    } finally {
      native.closeFd(original);
    }
  };
}
