// SPDX-License-Identifier: Apache-2.0
import { constants, type Stats } from "node:fs";
import { lstat, open } from "node:fs/promises";

/** The largest configuration file read; a network definition is a few hundred bytes. */
export const MAX_CONFIG_FILE_BYTES = 64 * 1024;

/** A file the reader refused; the message names the file's kind or size, never its contents. */
export class ConfigFileError extends Error {
  override readonly name = "ConfigFileError";
}

// O_NONBLOCK: opening a FIFO must not wait for a writer. O_NOFOLLOW: a symlink is
// refused by the kernel itself, whatever it points to. O_NOCTTY: a tty never
// becomes ours.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW | constants.O_NOCTTY;

/**
 * Reads one configuration file as text, trusting nothing about it: only a regular
 * file that is not a symlink, not writable by every user, and at most
 * MAX_CONFIG_FILE_BYTES. The checks that count are made on the opened descriptor,
 * so swapping the file between check and read gains nothing; the lstat before
 * opening only avoids opening devices at all.
 */
export async function readConfigFile(path: string): Promise<string> {
  check(await lstat(path));
  const handle = await open(path, OPEN_FLAGS).catch((error: NodeJS.ErrnoException) => {
    throw error.code === "ELOOP" ? new ConfigFileError("is a symbolic link; copy the file into the directory instead") : error;
  });
  try {
    check(await handle.stat());
    // Read one byte more than allowed, so a file that grew after fstat is caught.
    const buffer = Buffer.alloc(MAX_CONFIG_FILE_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_CONFIG_FILE_BYTES) throw tooLarge();
    }
    return buffer.toString("utf8", 0, length);
  } finally {
    await handle.close();
  }
}

function check(stats: Stats): void {
  if (stats.isSymbolicLink()) throw new ConfigFileError("is a symbolic link; copy the file into the directory instead");
  if (!stats.isFile()) throw new ConfigFileError(`is not a regular file (${kindOf(stats)})`);
  if (stats.mode & 0o002) throw new ConfigFileError("is writable by every user; make it writable by root only");
  if (stats.size > MAX_CONFIG_FILE_BYTES) throw tooLarge();
}

function tooLarge(): ConfigFileError {
  return new ConfigFileError(`is larger than ${MAX_CONFIG_FILE_BYTES / 1024} KiB`);
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a FIFO";
  if (stats.isSocket()) return "a socket";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "a device";
  return "not a file";
}
