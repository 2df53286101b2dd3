// SPDX-License-Identifier: Apache-2.0
import { type FSWatcher, watch } from "node:fs";
import { basename, dirname } from "node:path";

/**
 * Calls onChange whenever the lease file changes: an inotify watch on its
 * directory, which sees the file created, rewritten in place or replaced.
 * Returns the unsubscribe.
 */
export function watchLeaseFile(path: string, onChange: () => void): () => void {
  const name = basename(path);
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), { persistent: false }, (_type, file) => {
      if (file === null || file === name) onChange();
    });
    // The directory may go (network removed); the watch then just ends.
    watcher.on("error", () => watcher?.close());
  } catch {
    // No directory yet: nothing to follow (leases() still answers).
  }
  return () => watcher?.close();
}
