// SPDX-License-Identifier: Apache-2.0
/** The Linux backend's public surface for the daemon. */
export { createLinuxBackend, type LinuxBackendOptions } from "./backend.js";
export type { ReclaimReport } from "./leftovers.js";
export { BRIDGE_PREFIX, TABLE_PREFIX, TAP_PREFIX, VETH_PREFIX } from "./names.js";
export type { CommonNative, LinuxNative } from "./native.js";
export { linuxNative } from "./native.js";
