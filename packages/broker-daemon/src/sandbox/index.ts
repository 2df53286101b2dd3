// SPDX-License-Identifier: Apache-2.0
/** Sandbox entry for `serve`, and namespace helpers for tests and the conformance runner. */

export { acquireDhcpLease, type DhcpLease } from "./dhcp-client.js";
export { createGuest, type Guest } from "./guest.js";
export { enterSandbox, isSandboxed, SANDBOX_MARKER, sandboxCommand } from "./sandbox.js";
export { enterPrivateNetworkNamespace } from "./test-netns.js";
