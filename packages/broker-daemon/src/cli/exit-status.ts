// SPDX-License-Identifier: Apache-2.0
/**
 * The CLI's exit statuses, so that a script can tell a refusal from a dead
 * socket. A broker error exits with its protocol code (1-9), as every client
 * reports it; usage errors exit 64 (sysexits' EX_USAGE) rather than the usual
 * 2, because 2 is INVALID_REPLY; anything else that went wrong here exits 70
 * (EX_SOFTWARE), outside the protocol's range.
 */
export const EXIT_USAGE = 64;
export const EXIT_OTHER = 70;

/** Above every code the protocol may add: those leave the range a shell reports. */
const HIGHEST_PROTOCOL_EXIT = 63;

/** Errors that carry a protocol ErrorCode: BrokerError (Unix socket) and XpcClientError (macOS). */
const CODED_ERRORS = new Set(["BrokerError", "XpcClientError"]);

export function exitStatusFor(error: unknown): number {
  if (error instanceof Error && CODED_ERRORS.has(error.name)) {
    const code = (error as Error & { code?: unknown }).code;
    if (typeof code === "number" && Number.isInteger(code) && code >= 1 && code <= HIGHEST_PROTOCOL_EXIT) return code;
  }
  return EXIT_OTHER;
}
