import { type Counters, InterfaceKind, LeaseHolder, type Status } from "@vmnet-broker/client/protocol";
import type { LeaseInfo } from "./backend.js";
import { describeNetwork } from "./describe-network.js";
import { interfaceReferences } from "./interface-holds.js";
import type { PeerState } from "./peer-state.js";
import type { ManagedNetwork } from "./registry.js";

export interface StatusInputs {
  readonly version: string;
  readonly platform: string;
  readonly startedAt: number;
  readonly networks: readonly ManagedNetwork[];
  readonly peers: readonly PeerState[];
  readonly counters: Counters;
  readonly configErrors: readonly string[];
}

/** The broker's whole state as the protocol's Status message. */
export async function buildStatus(inputs: StatusInputs): Promise<Status> {
  const now = Date.now();
  const networks = await Promise.all(
    inputs.networks.map(async (network) => {
      const live = network.live;
      const leases: LeaseInfo[] = live ? await live.leases().catch(() => []) : [];
      return {
        network: describeNetwork(network),
        references: network.holders.size,
        peerIds: [...network.holders],
        leases: leases.map((l) => ({ ...l, expiresUnix: BigInt(l.expiresUnix) })),
        interfaces: [...network.interfaces.values()]
          .filter((i) => live?.interfaceExists(i.name) ?? false)
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
        live: live !== undefined,
      };
    }),
  );
  return {
    brokerVersion: inputs.version,
    platform: inputs.platform,
    pid: process.pid,
    uptimeSeconds: BigInt(Math.floor((now - inputs.startedAt) / 1000)),
    networks,
    peers: inputs.peers.map((p) => ({
      id: p.id,
      uid: p.credentials.uid,
      gid: p.credentials.gid,
      pid: p.credentials.pid,
      networks: [...p.networks],
      connectedSeconds: BigInt(Math.floor((now - p.connectedAt) / 1000)),
      clientName: p.clientName,
    })),
    counters: { ...inputs.counters },
    configErrors: [...inputs.configErrors],
    viewFiltered: false,
  };
}
