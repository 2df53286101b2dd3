// SPDX-License-Identifier: Apache-2.0
import type { NetworkConfig } from "../config/network-config.js";

/**
 * The platform half of the broker: creates and destroys real networks. The core
 * never touches the platform except through this interface.
 */
export interface Backend {
  readonly platform: "linux" | "darwin";
  /** Optional capabilities advertised in HelloReply.features ("tap", "veth"). */
  readonly features: readonly string[];
  /**
   * Linux: takes over the networks a previous broker left with interfaces still
   * attached, when they match their records. Called once at start, before
   * reclaimLeftovers(), which then spares what was adopted.
   */
  adoptLeftovers?(): Promise<AdoptedNetwork[]>;
  /** Removes everything a previous broker left behind that was not adopted. */
  reclaimLeftovers(): Promise<void>;
  /**
   * Linux: calls onGone with the name of every link deleted from now on (a TAP
   * whose last fd closed, a veth whose namespace went). Returns the unsubscribe.
   */
  watchInterfaces?(onGone: (name: string) => void): () => void;
  /** Creates the network; rejects with CreateFailure (with a reason) on failure. */
  createNetwork(config: NetworkConfig): Promise<BackendNetwork>;
}

/** Facts about a live network, reported to clients as the protocol's Network. */
export interface NetworkInfo {
  readonly subnet: string;
  readonly mask: string;
  readonly gateway: string;
  readonly ipv6Prefix: string;
  readonly mtu: number;
  /** Linux: the bridge interface. */
  readonly bridge: string;
}

export interface LeaseInfo {
  readonly mac: string;
  readonly ip: string;
  readonly hostname: string;
  /** Seconds since the epoch; 0 for infinite. */
  readonly expiresUnix: number;
}

export interface TapOptions {
  readonly vnetHeader: boolean;
  /** 1 or more; more than one means IFF_MULTI_QUEUE. */
  readonly queues: number;
  /** Who may use the device (TUNSETOWNER / TUNSETGROUP): the peer. */
  readonly ownerUid: number;
  readonly ownerGid: number;
  /** Persistent and opened by name (fds is empty); removed with removeInterface. */
  readonly named: boolean;
  /** Also one /dev/vhost-net fd per queue (vhostFds); rejects with Unsupported without the device. */
  readonly vhostNet: boolean;
}

export interface VethOptions {
  /** The peer's network namespace (an fd it sent); not closed by the backend. */
  readonly netnsFd: number;
  /** The far end's name inside that namespace. */
  readonly ifname: string;
  /** The peer's uid: the backend decides from it which namespaces the peer may use. */
  readonly peerUid: number;
}

export interface OpenedInterface {
  /** Host-side interface name. */
  readonly name: string;
  /** veth: the name inside the client's namespace. */
  readonly peerIfname: string;
  readonly mac: string;
  /** TAP queue fds; the caller owns them and must close them after sending. */
  readonly fds: readonly number[];
  /** TAP with vhostNet: one /dev/vhost-net fd per queue, owned like fds. */
  readonly vhostFds?: readonly number[];
}

/** What holds an interface's reference on its network (protocol LeaseHolder). */
export type InterfaceHolder = "connection" | "interface";

/** An interface as the backend records it, so that the next broker can adopt it. */
export interface InterfaceNote {
  readonly name: string;
  readonly kind: "tap" | "veth";
  readonly holder: InterfaceHolder;
  readonly ownerUid: number;
  /** TAP: the MAC picked for the guest behind it; "" for veth. */
  readonly guestMac: string;
  /**
   * A persistent TAP opened by name: held by its connection only, so a broker
   * that starts after this one reclaims it rather than adopting it.
   */
  readonly named?: boolean;
}

/** A network a previous broker left, taken over as it is. */
export interface AdoptedNetwork {
  /** The definition it runs with (from its record). */
  readonly config: NetworkConfig;
  readonly network: BackendNetwork;
  /** Its interfaces that still exist; each now holds the network itself. */
  readonly interfaces: readonly InterfaceNote[];
  /** True when `current` (the configuration now) defines the network as it runs. */
  sameDefinition(current: NetworkConfig): boolean;
}

export interface BackendNetwork {
  readonly info: NetworkInfo;
  /** Platform-specific opaque data for the client (macOS vmnet serialization). */
  readonly serialization?: unknown;
  leases(): Promise<LeaseInfo[]>;
  /**
   * Calls onChange whenever the leases may have changed (an inotify watch on the
   * DHCP server's lease file); leases() then tells what they are. Returns the
   * unsubscribe.
   */
  watchLeases?(onChange: () => void): () => void;
  /** Linux: the IPv6 addresses the host's neighbour table holds for this MAC on the network. */
  ipv6Of?(mac: string): Promise<string[]>;
  /** Linux only: a TAP enslaved to the network, up. */
  openTap?(options: TapOptions): Promise<OpenedInterface>;
  /**
   * Linux only: a veth pair, far end created inside the namespace behind netnsFd.
   * Rejects with AccessDenied when the peer may not use that namespace or name,
   * InvalidArgument when the fd is not a network namespace.
   */
  openVeth?(options: VethOptions): Promise<OpenedInterface>;
  /** Removes an interface this network opened; a no-op if it is already gone. */
  removeInterface(name: string): Promise<void>;
  /** True while the interface exists (a TAP dies with its last fd). */
  interfaceExists(name: string): boolean;
  /**
   * Linux: records the network's interfaces (atomically, before the reply that
   * hands one out), so that a broker started after this one can adopt them.
   */
  noteInterfaces?(interfaces: readonly InterfaceNote[]): Promise<void>;
  /**
   * Linux: lets go of the network without removing it, for the next broker to
   * adopt (stop with interfaces attached). Never throws.
   */
  leave?(): Promise<void>;
  /** Removes the network and everything attached to it. Never throws. */
  destroy(): Promise<void>;
}

/** Thrown by backends when a network or interface cannot be created. */
export class CreateFailure extends Error {
  override readonly name = "CreateFailure";
}

/** Thrown by backends when the peer may not do what it asked; the message names the rule. */
export class AccessDenied extends Error {
  override readonly name = "AccessDenied";
}

/** Thrown by backends when the host lacks what a request needs (/dev/vhost-net). */
export class Unsupported extends Error {
  override readonly name = "Unsupported";
}

/** Thrown by backends when an argument the peer sent is unusable (an fd of the wrong kind). */
export class InvalidArgument extends Error {
  override readonly name = "InvalidArgument";
}
