// SPDX-License-Identifier: Apache-2.0
import { Reply } from "@vmnet-broker/client/protocol";

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

/** The reply's protobuf bytes (a copy of its own, not a view of the shared writer). */
export function encodeReply(reply: Reply): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = Reply.encode(reply, writer).finish();
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
