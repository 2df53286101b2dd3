// SPDX-License-Identifier: Apache-2.0
import { ErrorCode } from "@vmnet-broker/client/protocol";
import { RequestFailure } from "./failure.js";

/**
 * The broker's limits on what one peer or user may take. Each has a name (its
 * `serve` flag without the dashes), a default that a host running hundreds of
 * VMs never meets, and an error that names it when hit.
 */
export interface Limits {
  /** Distinct networks one connection may hold. */
  readonly maxNetworksPerPeer: number;
  /** Interfaces (TAP or veth) one connection may have open at once. */
  readonly maxInterfacesPerPeer: number;
  /** Interfaces all connections of one uid may have open at once (root: exempt). */
  readonly maxInterfacesPerUser: number;
  /** Interfaces on one network (root: exempt); a bridge takes at most 1023 ports. */
  readonly maxInterfacesPerNetwork: number;
  /** Connections open at once; root has ROOT_CONNECTION_RESERVE more. */
  readonly maxConnections: number;
  /** Connections one uid may have open at once (root: exempt). */
  readonly maxConnectionsPerUser: number;
}

export const DEFAULT_LIMITS: Limits = {
  // Upstream's per-peer limit.
  maxNetworksPerPeer: 8,
  // A VM process holds one to a few interfaces; a manager multiplexing VMs over
  // one connection still fits.
  maxInterfacesPerPeer: 128,
  // Hundreds of VMs under one uid, yet no uid can fill a bridge alone.
  maxInterfacesPerUser: 512,
  // Below the kernel's 1023 bridge ports, so the error names the limit instead
  // of the kernel's "Exchange full".
  maxInterfacesPerNetwork: 1000,
  // The connection is the lease: one per running VM.
  maxConnections: 2048,
  maxConnectionsPerUser: 512,
};

/** Connections root may open above max-connections, so an admin can always run `status`. */
export const ROOT_CONNECTION_RESERVE = 32;

/** The `serve` flag (and the name in errors and logs) of each limit. */
export const LIMIT_NAMES: { readonly [K in keyof Limits]: string } = {
  maxNetworksPerPeer: "max-networks-per-peer",
  maxInterfacesPerPeer: "max-interfaces-per-peer",
  maxInterfacesPerUser: "max-interfaces-per-user",
  maxInterfacesPerNetwork: "max-interfaces-per-network",
  maxConnections: "max-connections",
  maxConnectionsPerUser: "max-connections-per-user",
};

/** A limit was reached: LIMIT_EXCEEDED, with a message naming the limit and its value. */
export class LimitExceeded extends RequestFailure {
  constructor(
    readonly limit: string,
    readonly value: number,
    subject: string,
    detail = "",
  ) {
    super(ErrorCode.ERROR_CODE_LIMIT_EXCEEDED, `limit ${limit} (${value}) reached for ${subject}${detail ? `; ${detail}` : ""}`);
  }
}

export function isRoot(uid: number): boolean {
  return uid === 0;
}
