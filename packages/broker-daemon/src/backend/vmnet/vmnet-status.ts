// SPDX-License-Identifier: Apache-2.0
/** vmnet_return_t values (vmnet.h) and what each means for a person reading a log. */
const NAMES: Record<number, string> = {
  1000: "VMNET_SUCCESS",
  1001: "VMNET_FAILURE",
  1002: "VMNET_MEM_FAILURE",
  1003: "VMNET_INVALID_ARGUMENT",
  1004: "VMNET_SETUP_INCOMPLETE",
  1005: "VMNET_INVALID_ACCESS",
  1006: "VMNET_PACKET_TOO_BIG",
  1007: "VMNET_BUFFER_EXHAUSTED",
  1008: "VMNET_TOO_MANY_PACKETS",
  1009: "VMNET_SHARING_SERVICE_BUSY",
  1010: "VMNET_NOT_AUTHORIZED",
};

const HINTS: Record<number, string> = {
  1002:
    "on some macOS builds a denied look-up of vmnet's sharing service com.apple.NetworkSharing (a sandboxed " +
    "caller) surfaces as this status: run the broker unsandboxed, as install.sh sets it up",
  1003: "vmnet rejected a setting (subnets must be under 192.168.0.0/16 and given by their first usable address)",
  1005: "the broker may not use vmnet here: it needs the com.apple.security.virtualization entitlement",
  1009:
    "the vmnet sharing service is busy, which usually means Internet Sharing is on " +
    "(System Settings > General > Sharing) and holds the subnet; turn it off or configure another subnet",
  1010: "the broker is not authorized to use vmnet: sign it with the com.apple.security.virtualization entitlement",
};

export function vmnetStatusName(status: number): string {
  return NAMES[status] ?? `vmnet status ${status}`;
}

/** The CreateFailure message for a failed vmnet call. Status 0: vmnet was never reached. */
export function describeVmnetFailure(call: string, status: number, fallback: string): string {
  if (status === 0) return `${call} failed: ${fallback}`;
  const hint = HINTS[status];
  return `${call} failed: ${vmnetStatusName(status)} (${status})${hint ? `: ${hint}` : ""}`;
}
