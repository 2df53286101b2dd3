// SPDX-License-Identifier: Apache-2.0
/**
 * Resolves when the holder should let go: SIGINT, SIGTERM, the connection
 * closing, or (with untilStdinCloses) stdin reaching its end.
 */
export function untilReleased(untilStdinCloses: boolean, closed?: Promise<unknown>): Promise<void> {
  return new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
    closed?.then(
      () => resolve(),
      () => resolve(),
    );
    if (untilStdinCloses) {
      process.stdin.resume();
      process.stdin.once("end", resolve);
      process.stdin.once("close", resolve);
    }
  });
}
