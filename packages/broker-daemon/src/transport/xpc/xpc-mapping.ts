// SPDX-License-Identifier: Apache-2.0
/**
 * The XPC transport's wire mapping (protocol/README.md, "XPC transport"), as pure
 * functions over plain descriptions of XPC dictionaries:
 *
 *   {command: "acquire", network_name}  -> Request.acquire; reply {network} or {error}
 *   {command: "request", request: data} -> any Request;     reply {reply: data}
 *
 * Any other shape gets {error: INVALID_REQUEST}, like the existing vmnet-broker.
 */
import { ErrorCode, Reply, Request } from "@vmnet-broker/client/protocol";
import type { Outgoing } from "../../core/peer.js";
import { type XpcDictionary, type XpcValue, xpcData, xpcDictionary, xpcGet, xpcInt64, xpcObject } from "./xpc-value.js";

/** The Unix transport's request limit, applied to the `request` data too. */
export const MAX_REQUEST_BYTES = 65_536;

export type XpcCommand =
  /** The upstream-compatible acquire: answered with `network` or `error`. */
  | { readonly kind: "acquire"; readonly request: Request }
  /** A protobuf Request: answered with `reply`. */
  | { readonly kind: "request"; readonly request: Request }
  /** `request` data that is not a Request: answered like an undecodable Unix frame. */
  | { readonly kind: "undecodable"; readonly reason: string }
  /** Not a message this broker understands: answered with {error: code}, 4 unless said. */
  | { readonly kind: "invalid"; readonly reason: string; readonly code?: ErrorCode };

export function parseXpcMessage(message: XpcValue): XpcCommand {
  if (message.type !== "dictionary") return { kind: "invalid", reason: `message is ${message.type}, not a dictionary` };
  const command = xpcGet(message, "command");
  if (command?.type !== "string") return { kind: "invalid", reason: "no string 'command'" };
  switch (command.value) {
    case "acquire": {
      const name = xpcGet(message, "network_name");
      if (name?.type !== "string") return { kind: "invalid", reason: "acquire without a string 'network_name'" };
      // The existing broker looks an empty name up and does not find it.
      if (name.value === "")
        return { kind: "invalid", reason: "acquire with an empty 'network_name'", code: ErrorCode.ERROR_CODE_NOT_FOUND };
      return { kind: "acquire", request: { id: 0, command: { $case: "acquire", value: { networkName: name.value } } } };
    }
    case "request": {
      const data = xpcGet(message, "request");
      if (data?.type !== "data") return { kind: "invalid", reason: "request without data 'request'" };
      if (data.value.length > MAX_REQUEST_BYTES) {
        return { kind: "invalid", reason: `request of ${data.value.length} bytes exceeds ${MAX_REQUEST_BYTES}` };
      }
      try {
        return { kind: "request", request: Request.decode(data.value) };
      } catch (error) {
        return { kind: "undecodable", reason: error instanceof Error ? error.message : String(error) };
      }
    }
    default:
      return { kind: "invalid", reason: `unknown command '${command.value.slice(0, 64)}'` };
  }
}

/** {error: code}: the upstream reply for a failed acquire or a malformed message. */
export function errorReply(code: ErrorCode): XpcDictionary {
  return xpcDictionary({ error: xpcInt64(code) });
}

/**
 * The existing clients' codes: 0-7 with the existing broker's meanings. Codes added
 * since (LIMIT_EXCEEDED, UNSUPPORTED) exist only on the `request` command; the
 * existing broker answers a peer's 9th network with INTERNAL_ERROR.
 */
export function legacyCode(code: ErrorCode): ErrorCode {
  return code > ErrorCode.ERROR_CODE_INTERNAL_ERROR ? ErrorCode.ERROR_CODE_INTERNAL_ERROR : code;
}

/** The reply to an upstream-style acquire: exactly one of `network` and `error`. */
export function acquireReply(outgoing: Outgoing): XpcDictionary {
  const result = outgoing.reply.result;
  if (result?.$case === "error") return errorReply(legacyCode(result.value.code));
  if (result?.$case === "network" && outgoing.serialization !== undefined) {
    return xpcDictionary({ network: xpcObject(outgoing.serialization) });
  }
  // A network without a serialization cannot be used by the client: a broker bug.
  return errorReply(ErrorCode.ERROR_CODE_INTERNAL_ERROR);
}

/**
 * The reply to a `request` command: the encoded Reply, plus the vmnet
 * serialization under `network` when the request was a successful acquire (the
 * protobuf Network cannot carry it).
 */
export function requestReply(outgoing: Outgoing): XpcDictionary {
  const entries: Record<string, XpcValue> = { reply: xpcData(outgoing.encoded ?? Reply.encode(outgoing.reply).finish()) };
  if (outgoing.reply.result?.$case === "network" && outgoing.serialization !== undefined) {
    entries.network = xpcObject(outgoing.serialization);
  }
  return xpcDictionary(entries);
}

/** `request` data that did not decode: Reply{id: 0, error: INVALID_REQUEST}, as on Unix. */
export function undecodableReply(reason: string): XpcDictionary {
  const reply: Reply = {
    id: 0,
    result: { $case: "error", value: { code: ErrorCode.ERROR_CODE_INVALID_REQUEST, message: `undecodable request: ${reason}` } },
  };
  return xpcDictionary({ reply: xpcData(Reply.encode(reply).finish()) });
}
