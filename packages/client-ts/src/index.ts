// SPDX-License-Identifier: Apache-2.0
/**
 * @vmnet-broker/client: acquire shared VM networks from vmnet-broker and open
 * TAP/veth interfaces on them. The connection is the lease: see BrokerClient.
 */
export {
  BrokerClient,
  type CallOptions,
  type ConnectOptions,
  type HelloInfo,
  type InterfaceOptions,
  PROTOCOL_VERSION,
  type TapInterface,
  type TapOptions,
  type VethInterface,
  type WaitForLeaseOptions,
} from "./broker-client.js";
export { DEFAULT_SOCKET_PATH, defaultSocketPath } from "./default-socket-path.js";
export { BrokerError, ErrorCode, ErrorCodes, errorCodeName } from "./errors.js";
export { type BrokerEvent, type BrokerEventType, EventStream, eventFromMessage } from "./event-stream.js";
export type { InterfaceHolder } from "./interface-holder.js";
export { type GuestLease, MAX_LEASE_WAIT_MS } from "./lease.js";
export type { BrokerStatus, Network } from "./network.js";
