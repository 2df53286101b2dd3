// SPDX-License-Identifier: Apache-2.0
import type { XpcValue } from "../transport/xpc/xpc-value.js";

/**
 * `vmnet-broker acquire` on macOS: holds networks over XPC (the broker's Mach
 * service) and prints each one with a summary of its vmnet serialization.
 */
export async function acquireOverXpc(names: readonly string[], options: { serviceName?: string; json: boolean }): Promise<() => void> {
  const { XpcSession } = await import("../transport/xpc/xpc-client.js");
  const session = XpcSession.open(options.serviceName);
  try {
    for (const name of names) {
      const { network: n, serialization } = await session.acquire(name);
      const summary = summarize(serialization);
      process.stdout.write(
        options.json
          ? `${JSON.stringify({ name: n.name, subnet: n.subnet, mask: n.mask, gateway: n.gateway, mtu: n.mtu, serialization: summary })}\n`
          : `acquired ${n.name}: subnet ${n.subnet} mask ${n.mask} gateway ${n.gateway} mtu ${n.mtu} serialization ${summary}\n`,
      );
    }
  } catch (error) {
    session.close();
    throw error;
  }
  return () => session.close();
}

/** "xpc dictionary, 7 keys": what the serialization is, never its contents. */
export function summarize(value: XpcValue): string {
  switch (value.type) {
    case "dictionary":
      return `xpc dictionary, ${value.entries.length} keys`;
    case "array":
      return `xpc array, ${value.items.length} items`;
    case "data":
      return `xpc data, ${value.value.length} bytes`;
    case "unsupported":
      return `xpc ${value.name}`;
    default:
      return `xpc ${value.type}`;
  }
}
