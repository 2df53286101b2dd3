// SPDX-License-Identifier: Apache-2.0
import { ErrorCode } from "./gen/vmnet_broker/v1/broker.js";

export { ErrorCode };

/**
 * The shared error codes under short names, identical in every client:
 * `err.code === ErrorCodes.NotFound`.
 */
export const ErrorCodes = {
  Success: ErrorCode.ERROR_CODE_SUCCESS,
  TransportFailure: ErrorCode.ERROR_CODE_TRANSPORT_FAILURE,
  InvalidReply: ErrorCode.ERROR_CODE_INVALID_REPLY,
  NotAllowed: ErrorCode.ERROR_CODE_NOT_ALLOWED,
  InvalidRequest: ErrorCode.ERROR_CODE_INVALID_REQUEST,
  NotFound: ErrorCode.ERROR_CODE_NOT_FOUND,
  CreateFailure: ErrorCode.ERROR_CODE_CREATE_FAILURE,
  InternalError: ErrorCode.ERROR_CODE_INTERNAL_ERROR,
  LimitExceeded: ErrorCode.ERROR_CODE_LIMIT_EXCEEDED,
  Unsupported: ErrorCode.ERROR_CODE_UNSUPPORTED,
} as const;

/** "NOT_FOUND" for ErrorCode.ERROR_CODE_NOT_FOUND; "UNKNOWN_12" for a code this client does not know. */
export function errorCodeName(code: number): string {
  const name = ErrorCode[code];
  if (name === undefined || code === ErrorCode.UNRECOGNIZED) return `UNKNOWN_${code}`;
  return name.replace(/^ERROR_CODE_/, "");
}

/**
 * Every failure of the client is a BrokerError. `code` is the shared ErrorCode:
 * TRANSPORT_FAILURE when the connection could not be made or broke (the lease is
 * gone), INVALID_REPLY when the broker's answer made no sense, otherwise the
 * code the broker sent. `cause` holds the underlying error, if any.
 */
export class BrokerError extends Error {
  override readonly name = "BrokerError";
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${errorCodeName(code)}: ${message}`, options);
    this.code = code;
  }

  /** The code's short name, for example "NOT_FOUND". */
  get codeName(): string {
    return errorCodeName(this.code);
  }

  /** True if error is a BrokerError (with that code, when given). */
  static is(error: unknown, code?: ErrorCode): error is BrokerError {
    return error instanceof BrokerError && (code === undefined || error.code === code);
  }
}
