// SPDX-License-Identifier: Apache-2.0
import { BrokerError, ErrorCode } from "./errors.js";
import { type Event, EventType, Reply, Request } from "./gen/vmnet_broker/v1/broker.js";
import { type GuestLease, leaseFromMessage } from "./lease.js";
import { connectUnix } from "./socket/connect.js";
import { MAX_REPLY_PAYLOAD, MAX_REQUEST_PAYLOAD } from "./socket/frame-limits.js";
import { type CloseInfo, closeAll, FramedEndpoint } from "./socket/framed-endpoint.js";

/** What happened, named as `vmnet-broker events` prints it. */
export type BrokerEventType =
  | "network-created"
  | "network-removed"
  | "interface-opened"
  | "interface-removed"
  | "lease-added"
  | "lease-renewed"
  | "lease-expired"
  | "peer-connected"
  | "peer-gone"
  | "unknown";

/** One thing that happened in the broker, as far as this user may see it. */
export interface BrokerEvent {
  /** Increases by one per broker event; a gap means events this user may not see. */
  readonly sequence: bigint;
  readonly time: Date;
  readonly type: BrokerEventType;
  /** The network, when the event concerns one; else "". */
  readonly network: string;
  /** The host-side interface name, for interface events; else "". */
  readonly interface: string;
  /** The lease, for lease events. */
  readonly lease?: GuestLease;
  /** The peer (connection) id, for peer and interface events; else 0n. */
  readonly peerId: bigint;
  /** The peer's (or the interface owner's) uid. */
  readonly uid: number;
}

const TYPES: Readonly<Record<number, BrokerEventType>> = {
  [EventType.EVENT_TYPE_NETWORK_CREATED]: "network-created",
  [EventType.EVENT_TYPE_NETWORK_REMOVED]: "network-removed",
  [EventType.EVENT_TYPE_INTERFACE_OPENED]: "interface-opened",
  [EventType.EVENT_TYPE_INTERFACE_REMOVED]: "interface-removed",
  [EventType.EVENT_TYPE_LEASE_ADDED]: "lease-added",
  [EventType.EVENT_TYPE_LEASE_RENEWED]: "lease-renewed",
  [EventType.EVENT_TYPE_LEASE_EXPIRED]: "lease-expired",
  [EventType.EVENT_TYPE_PEER_CONNECTED]: "peer-connected",
  [EventType.EVENT_TYPE_PEER_GONE]: "peer-gone",
};

/** A protocol Event as a BrokerEvent (for events that reach you by another transport, such as the CLI's XPC). */
export function eventFromMessage(message: Event): BrokerEvent {
  return {
    sequence: message.sequence,
    time: new Date(Number(message.timeUnixMs)),
    type: TYPES[message.type] ?? "unknown",
    network: message.networkName,
    interface: message.interfaceName,
    ...(message.lease === undefined ? {} : { lease: leaseFromMessage(message.lease) }),
    peerId: message.peerId,
    uid: message.uid,
  };
}

/** Events read but not yet taken; beyond this the socket is left unread (the broker drops a reader too slow). */
const MAX_BUFFERED_EVENTS = 1024;
const SUBSCRIBE_ID = 1;

/**
 * A connection of its own that the broker turned into a stream of events.
 * Iterate it with `for await`; breaking out of the loop (or close()) closes
 * the connection, which ends the subscription. A stalled reader is
 * disconnected by the broker (protocol/README.md); iteration then throws
 * TRANSPORT_FAILURE.
 */
export class EventStream implements AsyncIterableIterator<BrokerEvent> {
  readonly #endpoint: FramedEndpoint;
  readonly #events: BrokerEvent[] = [];
  #started: { resolve(): void; reject(error: BrokerError): void } | undefined;
  #waiting: { resolve(result: IteratorResult<BrokerEvent>): void; reject(error: unknown): void } | undefined;
  #failure: BrokerError | undefined;
  #closedByUs = false;
  #paused = false;
  /** The sequence number the first event will carry (from the broker's Subscription). */
  nextSequence = 0n;

  private constructor(fd: number) {
    this.#endpoint = new FramedEndpoint(
      fd,
      { maxReceivePayload: MAX_REPLY_PAYLOAD, maxSendPayload: MAX_REQUEST_PAYLOAD },
      {
        onFrame: (payload, fds) => this.#onFrame(payload, fds),
        onFramingError: (error) =>
          this.#fail(new BrokerError(ErrorCode.ERROR_CODE_INVALID_REPLY, error.message)),
        onClose: (info) => this.#onClose(info),
      },
    );
  }

  /** Connects and subscribes; rejects with the broker's error (UNSUPPORTED over XPC). */
  static async open(socketPath: string): Promise<EventStream> {
    let fd: number;
    try {
      fd = connectUnix(socketPath);
    } catch (error) {
      throw new BrokerError(
        ErrorCode.ERROR_CODE_TRANSPORT_FAILURE,
        `cannot connect to the broker at ${socketPath}: ${String(error)}`,
        {
          cause: error,
        },
      );
    }
    const stream = new EventStream(fd);
    await new Promise<void>((resolve, reject) => {
      stream.#started = { resolve, reject };
      stream.#endpoint.send(
        Request.encode(
          Request.fromPartial({ id: SUBSCRIBE_ID, command: { $case: "subscribe", value: {} } }),
        ).finish(),
      );
    });
    return stream;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<BrokerEvent>> {
    const event = this.#events.shift();
    if (this.#paused && this.#events.length < MAX_BUFFERED_EVENTS / 2) {
      this.#paused = false;
      this.#endpoint.resumeReading();
    }
    if (event !== undefined) return Promise.resolve({ value: event, done: false });
    if (this.#closedByUs) return Promise.resolve({ value: undefined, done: true });
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  /** Called by `break`: ends the subscription. */
  async return(): Promise<IteratorResult<BrokerEvent>> {
    this.close();
    return { value: undefined, done: true };
  }

  /** Closes the connection, ending the subscription; a pending next() finishes. */
  close(): void {
    this.#closedByUs = true;
    this.#endpoint.close();
    this.#waiting?.resolve({ value: undefined, done: true });
    this.#waiting = undefined;
  }

  #onFrame(payload: Buffer, fds: number[]): void {
    closeAll(fds);
    let reply: Reply;
    try {
      reply = Reply.decode(payload);
    } catch (error) {
      this.#fail(
        new BrokerError(ErrorCode.ERROR_CODE_INVALID_REPLY, `undecodable reply: ${String(error)}`, {
          cause: error,
        }),
      );
      return;
    }
    const result = reply.result;
    if (this.#started !== undefined) {
      const started = this.#started;
      this.#started = undefined;
      if (result?.$case === "subscription") {
        this.nextSequence = result.value.nextSequence;
        started.resolve();
        return;
      }
      const error =
        result?.$case === "error"
          ? new BrokerError(result.value.code, result.value.message)
          : new BrokerError(
              ErrorCode.ERROR_CODE_INVALID_REPLY,
              `expected a subscription reply, got ${result?.$case ?? "nothing"}`,
            );
      this.#fail(error);
      started.reject(error);
      return;
    }
    if (result?.$case !== "event" || reply.id !== SUBSCRIBE_ID) {
      this.#fail(
        new BrokerError(
          ErrorCode.ERROR_CODE_INVALID_REPLY,
          `expected an event, got ${result?.$case ?? "nothing"}`,
        ),
      );
      return;
    }
    const event = eventFromMessage(result.value);
    if (this.#waiting !== undefined) {
      this.#waiting.resolve({ value: event, done: false });
      this.#waiting = undefined;
      return;
    }
    this.#events.push(event);
    if (this.#events.length >= MAX_BUFFERED_EVENTS && !this.#paused) {
      this.#paused = true;
      this.#endpoint.pauseReading();
    }
  }

  #onClose(info: CloseInfo): void {
    const why =
      info.error !== undefined
        ? `the connection to the broker broke: ${info.error.message}`
        : "the broker closed the connection";
    this.#fail(new BrokerError(ErrorCode.ERROR_CODE_TRANSPORT_FAILURE, why, { cause: info.error }));
  }

  #fail(error: BrokerError): void {
    this.#failure ??= error;
    this.#endpoint.close();
    this.#started?.reject(this.#failure);
    this.#started = undefined;
    if (this.#closedByUs) return;
    this.#waiting?.reject(this.#failure);
    this.#waiting = undefined;
  }
}
