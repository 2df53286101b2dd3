// SPDX-License-Identifier: Apache-2.0
/**
 * Wraps an async task so that runs never overlap: a call while it runs asks for
 * exactly one more run after it, however many calls came (SIGHUP twice in a row
 * rereads once more, not twice at once).
 */
export function coalesced(task: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let again = false;
  const run = async (): Promise<void> => {
    try {
      do {
        again = false;
        await task();
      } while (again);
    } finally {
      running = undefined;
    }
  };
  return () => {
    if (running) again = true;
    else running = run();
    return running;
  };
}
