// SPDX-License-Identifier: Apache-2.0
/** Framing constants of protocol/README.md ("Unix transport"). */

/** Every frame starts with its payload length as a 4-byte big-endian integer. */
export const FRAME_HEADER_BYTES = 4;
/** The largest request payload a broker accepts. */
export const MAX_REQUEST_PAYLOAD = 65_536;
/** The largest reply payload a client accepts. */
export const MAX_REPLY_PAYLOAD = 4_194_304;
