import type { NetworkConfig } from "../config/network-config.js";

/**
 * The platform half of the broker: creates and destroys real networks. The core
 * never touches the platform except through this interface.
 */
export interface Backend {
  readonly platform: "linux" | "darwin";
  /** Optional capabilities advertised in HelloReply.features ("tap", "veth"). */
  readonly features: readonly string[];
  /** Removes everything a previous broker left behind (after kill -9). */
  reclaimLeftovers(): Promise<void>;
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
}

export interface BackendNetwork {
  readonly info: NetworkInfo;
  /** Platform-specific opaque data for the client (macOS vmnet serialization). */
  readonly serialization?: unknown;
  leases(): Promise<LeaseInfo[]>;
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

/** Thrown by backends when an argument the peer sent is unusable (an fd of the wrong kind). */
export class InvalidArgument extends Error {
  override readonly name = "InvalidArgument";
}
