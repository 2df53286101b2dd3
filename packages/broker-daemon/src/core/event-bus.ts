// SPDX-License-Identifier: Apache-2.0
import type { Event, EventType } from "@vmnet-broker/client/protocol";
import type { StatusViewer } from "./status-scope.js";

/** Who may see an event: the status rules (docs/security.md), decided when it is emitted. */
export type Audience = (viewer: StatusViewer) => boolean;

/** One subscribed connection: what it may see, and where its events go. */
export interface Subscriber {
  readonly viewer: StatusViewer;
  /** Sends one event; the transport bounds what a slow reader may leave unread. */
  deliver(event: Event): void;
}

/** What happened, without the bus's sequence and time. */
export type EventBody = Omit<Event, "sequence" | "timeUnixMs">;

/**
 * The broker's events, emitted from one place: every event gets the next global
 * sequence number, then goes to each subscriber allowed to see it.
 */
export class EventBus {
  readonly #subscribers = new Set<Subscriber>();
  #next = 1n;

  /** The sequence number the next event will carry. */
  get nextSequence(): bigint {
    return this.#next;
  }

  /** Returns the unsubscribe. */
  subscribe(subscriber: Subscriber): () => void {
    this.#subscribers.add(subscriber);
    return () => this.#subscribers.delete(subscriber);
  }

  emit(body: Partial<EventBody> & { type: EventType }, audience: Audience): void {
    const event: Event = {
      sequence: this.#next++,
      timeUnixMs: BigInt(Date.now()),
      networkName: "",
      interfaceName: "",
      lease: undefined,
      peerId: 0n,
      uid: 0,
      ...body,
    };
    for (const subscriber of this.#subscribers) {
      if (subscriber.viewer.admin || audience(subscriber.viewer)) subscriber.deliver(event);
    }
  }
}
