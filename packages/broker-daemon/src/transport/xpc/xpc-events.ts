// SPDX-License-Identifier: Apache-2.0
/**
 * `vmnet-broker events` on macOS: a session of its own subscribes, then every
 * event arrives as a message {reply: data} on that connection. The stream ends
 * with an XpcClientError when the connection does (the broker dropped a reader
 * too slow, or exited).
 */
import { ErrorCode, type Event, type Reply } from "@vmnet-broker/client/protocol";
import { darwinNative, type XpcClientNative, type XpcIncoming } from "./darwin-native.js";
import { replyFromMessage, requestMessage, XpcClientError } from "./xpc-client.js";
import { DEFAULT_SERVICE_NAME } from "./xpc-transport.js";
import type { XpcValue } from "./xpc-value.js";

const SUBSCRIBE_ID = 1;

export interface XpcEventStream extends AsyncIterable<Event> {
  /** The sequence number the first event carries. */
  readonly nextSequence: bigint;
  /** Ends the subscription (closes the connection); the iteration then ends. */
  close(): void;
}

export async function xpcEvents(serviceName = DEFAULT_SERVICE_NAME, native: XpcClientNative = darwinNative()): Promise<XpcEventStream> {
  const queue: Array<Event | XpcClientError> = [];
  let wake: (() => void) | undefined;
  let closed = false;
  const arrive = (item: Event | XpcClientError) => {
    queue.push(item);
    wake?.();
  };
  const onIncoming = (incoming: XpcIncoming) => {
    if (incoming.type === "error") {
      arrive(new XpcClientError(ErrorCode.ERROR_CODE_TRANSPORT_FAILURE, `the event stream ended: ${incoming.message}`));
      return;
    }
    let reply: Reply;
    try {
      reply = replyFromMessage(incoming.message);
    } catch (error) {
      arrive(error as XpcClientError);
      return;
    }
    if (reply.id === SUBSCRIBE_ID && reply.result?.$case === "event") arrive(reply.result.value);
    else arrive(new XpcClientError(ErrorCode.ERROR_CODE_INVALID_REPLY, `expected an event, got ${reply.result?.$case ?? "nothing"}`));
  };
  const handle = native.xpcOpen(serviceName, onIncoming);
  const close = () => {
    closed = true;
    native.xpcClose(handle);
    wake?.();
  };
  let answer: XpcValue;
  try {
    answer = await native.xpcSend(handle, requestMessage({ id: SUBSCRIBE_ID, command: { $case: "subscribe", value: {} } }));
  } catch (error) {
    close();
    throw new XpcClientError(ErrorCode.ERROR_CODE_TRANSPORT_FAILURE, error instanceof Error ? error.message : String(error));
  }
  let reply: Reply;
  try {
    reply = replyFromMessage(answer);
  } catch (error) {
    close();
    throw error;
  }
  if (reply.result?.$case !== "subscription") {
    close();
    if (reply.result?.$case === "error") throw new XpcClientError(reply.result.value.code, reply.result.value.message);
    throw new XpcClientError(ErrorCode.ERROR_CODE_INVALID_REPLY, `expected a subscription, got ${reply.result?.$case ?? "nothing"}`);
  }
  return {
    nextSequence: reply.result.value.nextSequence,
    close,
    async *[Symbol.asyncIterator]() {
      try {
        for (;;) {
          const item = queue.shift();
          if (item instanceof XpcClientError) throw item;
          if (item !== undefined) {
            yield item;
            continue;
          }
          if (closed) return;
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
        }
      } finally {
        if (!closed) close();
      }
    },
  };
}
