// SPDX-License-Identifier: Apache-2.0
/**
 * The broker's status JSON reshaped for expectations:
 * {networks: {<name>: {references, interface_references, removal_in_ms, mode,
 *  bridge, subnet, peer_count, interfaces, leases}}, peers: <count>, config_errors: <count>,
 *  counters: {...}}. A case writes `networks: {foo: null}` for "absent". Only live
 * networks count: status also lists configured ones that are not live.
 */
import type { StatusJson } from "./broker.js";

export function statusView(status: StatusJson): Record<string, unknown> {
  const networks: Record<string, unknown> = {};
  for (const n of liveNetworks(status)) {
    const net = (n.network ?? {}) as Record<string, unknown>;
    const name = String(net.name ?? "");
    networks[name] = {
      references: n.references ?? 0,
      interface_references: n.interface_references ?? 0,
      removal_in_ms: n.removal_in_ms ?? 0,
      mode: net.mode,
      bridge: net.bridge,
      subnet: net.subnet,
      gateway: net.gateway,
      peer_count: Array.isArray(n.peer_ids) ? n.peer_ids.length : 0,
      interfaces: Array.isArray(n.interfaces) ? n.interfaces.length : 0,
      leases: Array.isArray(n.leases) ? n.leases.length : 0,
    };
  }
  return {
    networks,
    peers: (status.peers ?? []).length,
    config_errors: Array.isArray(status.config_errors) ? status.config_errors.length : 0,
    counters: status.counters ?? {},
  };
}

export function hasNetwork(status: StatusJson, name: string): boolean {
  return liveNetworks(status).some((n) => n.network?.name === name);
}

function liveNetworks(status: StatusJson) {
  return (status.networks ?? []).filter((n) => n.live !== false);
}
