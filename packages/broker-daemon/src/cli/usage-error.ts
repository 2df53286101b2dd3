// SPDX-License-Identifier: Apache-2.0
/** A command line mistake: printed with the command's usage, exit status 64 (EX_USAGE). */
export class UsageError extends Error {
  override readonly name = "UsageError";
  constructor(
    message: string,
    readonly command: string,
  ) {
    super(message);
  }
}
