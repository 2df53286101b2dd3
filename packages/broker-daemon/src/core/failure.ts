// SPDX-License-Identifier: Apache-2.0
import type { ErrorCode } from "@vmnet-broker/client/protocol";

/** A request failure carrying the shared error code sent to the client. */
export class RequestFailure extends Error {
  override readonly name = "RequestFailure";
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}
