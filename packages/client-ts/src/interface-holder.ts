// SPDX-License-Identifier: Apache-2.0
import { LeaseHolder } from "./gen/vmnet_broker/v1/broker.js";

/**
 * What keeps an interface, and its reference on the network, alive:
 * - "connection" (the default): the connection that opened it. Closing the
 *   connection (or the process dying) removes the interface.
 * - "interface": the interface itself. A TAP holds its network until its last
 *   fd closes, a veth until its namespace goes, whether or not the connection
 *   stays open. For launchers that pass the fds on and exit or exec the VMM.
 */
export type InterfaceHolder = "connection" | "interface";

export function holderToMessage(holder: InterfaceHolder): LeaseHolder {
  return holder === "interface" ? LeaseHolder.LEASE_HOLDER_INTERFACE : LeaseHolder.LEASE_HOLDER_CONNECTION;
}

/** The reply's holder; unset means the connection (protocol/README.md). */
export function holderFromMessage(holder: LeaseHolder): InterfaceHolder {
  return holder === LeaseHolder.LEASE_HOLDER_INTERFACE ? "interface" : "connection";
}
