// SPDX-License-Identifier: Apache-2.0
/** Where the broker listens unless told otherwise (the daemon's --socket default). */
export const DEFAULT_SOCKET_PATH = "/run/vmnet-broker/broker.sock";

/** VMNET_BROKER_SOCKET when set and not empty, else the default path. */
export function defaultSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.VMNET_BROKER_SOCKET;
  return fromEnv !== undefined && fromEnv !== "" ? fromEnv : DEFAULT_SOCKET_PATH;
}
