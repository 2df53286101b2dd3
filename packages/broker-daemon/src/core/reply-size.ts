// SPDX-License-Identifier: Apache-2.0
import { Network, Reply } from "@vmnet-broker/client/protocol";

/**
 * The largest reply payload the protocol allows (protocol/README.md, the Unix
 * frame limit; clients refuse bigger ones). Defined here rather than imported from
 * the socket module, which loads the native addon the core must not need.
 */
export const MAX_REPLY_BYTES = 4 * 1024 * 1024;

/** Bytes a Reply's envelope adds around its result: id and field headers. */
export const REPLY_ENVELOPE_BYTES = 32;

/** A writer that grew past this after a large reply is dropped, not kept. */
const KEPT_WRITER_BYTES = 64 * 1024;

/**
 * One writer for every reply, so encoding a reply allocates only its result.
 * Encoding is synchronous, so no two encodes ever share it at once. (The generated
 * codec hands out its writer type through encode(); there is no other import of it.)
 */
let writer = freshWriter();

function freshWriter(): ReturnType<typeof Reply.encode> {
  const fresh = Reply.encode(Reply.create());
  fresh.finish();
  return fresh;
}

/**
 * Network descriptions already encoded, by message. A live network's description is
 * built once and every acquire of it replies with that same object, so its bytes
 * (strings, mostly) are encoded once too: half the cost of an acquire's reply.
 * Messages are never changed once built (the description cache shares them).
 */
const encodedNetworks = new WeakMap<Network, Uint8Array>();

/** The tag of Reply's `network` field, read off the codec rather than written twice. */
const NETWORK_TAG = networkFieldTag();

function networkFieldTag(): number {
  // An empty network and no id encode as [tag, length 0].
  const probe = Reply.encode({ id: 0, result: { $case: "network", value: Network.create() } }).finish();
  const tag = probe[0];
  if (probe.length !== 2 || tag === undefined) throw new Error("Reply's network field does not have a one-byte tag");
  return tag;
}

function encodedNetwork(network: Network): Uint8Array {
  let bytes = encodedNetworks.get(network);
  if (bytes === undefined) {
    bytes = Network.encode(network).finish();
    encodedNetworks.set(network, bytes);
  }
  return bytes;
}

/** Decoded and fromPartial() replies carry an empty object; the core's plain ones nothing. */
function hasUnknownFields(reply: Reply): boolean {
  return reply._unknownFields !== undefined && Object.keys(reply._unknownFields).length > 0;
}

/** The reply's protobuf bytes (a copy of its own, not a view of the shared writer). */
export function encodeReply(reply: Reply): Uint8Array {
  let bytes: Uint8Array;
  try {
    const result = reply.result;
    if (result?.$case === "network" && !hasUnknownFields(reply)) {
      // The fields in the codec's order: id, then the network.
      const network = encodedNetwork(result.value);
      bytes = Reply.encode({ id: reply.id, result: undefined }, writer).uint32(NETWORK_TAG).bytes(network).finish();
    } else {
      bytes = Reply.encode(reply, writer).finish();
    }
  } catch (error) {
    // A half-written reply must not lead the next one.
    writer = freshWriter();
    throw error;
  }
  if (bytes.length > KEPT_WRITER_BYTES) writer = freshWriter();
  return bytes;
}

export function replyFits(reply: Reply): boolean {
  return encodeReply(reply).length <= MAX_REPLY_BYTES;
}
