/**
 * For tests: moves the calling thread (vitest's worker) into a brand-new network
 * namespace with `lo` up. Every bridge, table, TAP and dnsmasq the test then makes
 * lives there and vanishes with it; the addon throws unless the namespace really
 * changed, so a test can never touch the machine's own network. Needs root
 * (CAP_SYS_ADMIN). Call it in beforeEach for a fresh namespace per test.
 */
import { linuxNative } from "../backend/linux/native.js";

export function enterPrivateNetworkNamespace(): void {
  const native = linuxNative();
  native.enterNewNetns();
  native.setUp("lo");
}
