// SPDX-License-Identifier: Apache-2.0
import type { BrokerEvent } from "@vmnet-broker/client";

/**
 * One line per event, as `docker events` prints them: time, type, the object,
 * then its attributes in parentheses.
 */
export function formatEvent(event: BrokerEvent, userName: (uid: number) => string | undefined): string {
  const attributes: string[] = [`seq=${event.sequence}`];
  if (event.interface !== "") attributes.push(`interface=${event.interface}`);
  if (event.lease !== undefined) {
    attributes.push(`mac=${event.lease.mac}`, `ip=${event.lease.ip}`);
    if (event.lease.hostname !== "") attributes.push(`hostname=${event.lease.hostname}`);
  }
  if (event.peerId !== 0n) attributes.push(`peer=${event.peerId}`);
  if (event.peerId !== 0n || event.interface !== "") attributes.push(`user=${userName(event.uid) ?? event.uid}`);
  const object = event.network === "" ? "-" : event.network;
  return `${event.time.toISOString()} ${event.type} ${object} (${attributes.join(", ")})`;
}

/** The same event for scripts, one JSON object per line. */
export function eventToJson(event: BrokerEvent): Record<string, unknown> {
  return {
    sequence: Number(event.sequence),
    time: event.time.toISOString(),
    type: event.type,
    network: event.network,
    ...(event.interface !== "" ? { interface: event.interface } : {}),
    ...(event.lease !== undefined ? { lease: event.lease } : {}),
    ...(event.peerId !== 0n ? { peer: Number(event.peerId) } : {}),
    ...(event.peerId !== 0n || event.interface !== "" ? { uid: event.uid } : {}),
  };
}
