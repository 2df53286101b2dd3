// SPDX-License-Identifier: Apache-2.0
import { type Counters, InterfaceKind, LeaseHolder, type NetworkStatus, type Overlay, Status } from "@vmnet-broker/client/protocol";
import type { NetworkConfig } from "../config/network-config.js";
import type { LeaseInfo } from "./backend.js";
import { describeNetwork } from "./describe-network.js";
import { interfaceReferences } from "./interface-holds.js";
import type { PeerState } from "./peer-state.js";
import type { ManagedNetwork } from "./registry.js";
import { MAX_REPLY_BYTES, REPLY_ENVELOPE_BYTES } from "./reply-size.js";
import { type StatusViewer, scopeFor } from "./status-scope.js";

export interface StatusInputs {
  readonly version: string;
  readonly platform: string;
  readonly startedAt: number;
  /** The networks the broker holds now. */
  readonly networks: readonly ManagedNetwork[];
  /** The configuration in force, for the networks that are not live. */
  readonly configured: ReadonlyMap<string, NetworkConfig>;
  readonly peers: readonly PeerState[];
  readonly counters: Counters;
  readonly configErrors: readonly string[];
}

/** The broker's state as the protocol's Status message, as much of it as the viewer may see. */
export async function buildStatus(inputs: StatusInputs, viewer: StatusViewer): Promise<Status> {
  const now = Date.now();
  const scope = scopeFor(viewer, inputs.peers);
  const visible = inputs.networks.filter((n) =>
    scope.network(inputs.configured.get(n.config.name) ?? n.config, n.interfaces.values(), n.holders),
  );
  const live = await Promise.all(
    visible.map(async (network): Promise<NetworkStatus> => {
      const backend = network.live;
      const macs = scope.leaseMacs(network.interfaces.values());
      // A viewer with no interfaces of its own has no leases to see: skip the read.
      const leases: LeaseInfo[] = backend && macs?.size !== 0 ? await backend.leases().catch(() => []) : [];
      return {
        network: describeNetwork(network),
        references: network.holders.size,
        peerIds: [...network.holders].filter(scope.holder),
        leases: leases
          .filter((l) => macs?.has(l.mac.toLowerCase()) ?? true)
          .map((l) => ({ ...l, expiresUnix: BigInt(l.expiresUnix), ipv6: [], networkName: network.config.name })),
        interfaces: [...network.interfaces.values()]
          .filter((i) => scope.interface(i) && (backend?.interfaceExists(i.name) ?? false))
          .map((i) => ({
            name: i.name,
            kind: i.kind === "tap" ? InterfaceKind.INTERFACE_KIND_TAP : InterfaceKind.INTERFACE_KIND_VETH,
            peerId: i.peerId,
            holder: i.holder === "interface" ? LeaseHolder.LEASE_HOLDER_INTERFACE : LeaseHolder.LEASE_HOLDER_CONNECTION,
            ownerUid: i.ownerUid,
          })),
        removalInMs: BigInt(network.removal.remainingMs),
        interfaceReferences: interfaceReferences(network),
        adopted: network.adopted,
        live: backend !== undefined,
        overlay: overlayOf(network.config),
      };
    }),
  );
  const liveNames = new Set(inputs.networks.map((n) => n.config.name));
  const idle = [...inputs.configured.values()]
    .filter((config) => !liveNames.has(config.name) && scope.network(config, [], []))
    .map((config) => notLive(config));
  return Status.create({
    brokerVersion: inputs.version,
    platform: inputs.platform,
    pid: process.pid,
    uptimeSeconds: BigInt(Math.floor((now - inputs.startedAt) / 1000)),
    networks: [...live, ...idle],
    peers: inputs.peers.filter(scope.peer).map((p) => ({
      id: p.id,
      uid: p.credentials.uid,
      gid: p.credentials.gid,
      pid: p.credentials.pid,
      networks: [...p.networks],
      connectedSeconds: BigInt(Math.floor((now - p.connectedAt) / 1000)),
      clientName: p.clientName,
    })),
    ...(scope.internals ? { counters: { ...inputs.counters }, configErrors: [...inputs.configErrors] } : {}),
    viewFiltered: scope.filtered,
  });
}

/**
 * Status small enough to send. Leases are the one part without a bound (a busy
 * /16 holds thousands): past the reply limit they are left out rather than have
 * status fail for everyone.
 */
export function fitStatus(status: Status): Status {
  if (Status.encode(status).finish().length <= MAX_REPLY_BYTES - REPLY_ENVELOPE_BYTES) return status;
  return { ...status, networks: status.networks.map((n) => ({ ...n, leases: [] })) };
}

/** A configured network that is not live: its definition, nothing else. */
function notLive(config: NetworkConfig): NetworkStatus {
  return {
    network: describeNetwork({ config, live: undefined }),
    references: 0,
    peerIds: [],
    leases: [],
    interfaces: [],
    removalInMs: 0n,
    interfaceReferences: 0,
    adopted: false,
    live: false,
    overlay: overlayOf(config),
  };
}

/** The overlay part of a network's status (docs/multi-host.md), when it has one. */
function overlayOf(config: NetworkConfig): Overlay | undefined {
  const o = config.overlay;
  if (o === undefined) return undefined;
  return { vni: o.vni, underlay: o.underlay, local: o.local ?? "", port: o.port, peers: [...o.peers], servesDhcp: o.servesDhcp };
}
