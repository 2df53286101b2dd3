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

export function replyFits(reply: Reply): boolean {
  return Reply.encode(reply).finish().length <= MAX_REPLY_BYTES;
}
