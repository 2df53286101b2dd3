// SPDX-License-Identifier: Apache-2.0
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";

/** Why a command cannot run, with the shell's exit status for it. */
export class CommandNotRunnable extends Error {
  override readonly name = "CommandNotRunnable";
  constructor(
    message: string,
    /** 127: not found; 126: found but not executable. */
    readonly status: 126 | 127,
  ) {
    super(message);
  }
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The path execvp would run for `file`, found the way the shell finds it: as
 * given when it contains a slash, else in each PATH directory. Checked before
 * anything is acquired, so a typo costs no network and exits 127 like a shell.
 */
export function findExecutable(file: string, path = process.env.PATH ?? "/usr/bin:/bin"): string {
  if (file.includes("/")) {
    if (isExecutableFile(file)) return file;
    try {
      statSync(file);
    } catch {
      throw new CommandNotRunnable(`${file}: no such file`, 127);
    }
    throw new CommandNotRunnable(`${file}: not an executable file`, 126);
  }
  for (const dir of path.split(delimiter)) {
    const candidate = join(dir === "" ? "." : dir, file);
    if (isExecutableFile(candidate)) return candidate;
  }
  throw new CommandNotRunnable(`${file}: command not found (PATH=${path})`, 127);
}
