// SPDX-License-Identifier: Apache-2.0
import { execFileSync } from "node:child_process";
import { closeSync, constants, mkdtempSync, openSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PeerCredentials } from "../../native/native-addon.js";
import { connectUnix } from "../connect.js";
import { UnixListener } from "../unix-listener.js";

/** A private directory for socket files, removed by cleanup(). */
export function makeTempDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), "vmnet-broker-socket-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A connected pair of real Unix stream sockets through a listening socket file. */
export async function connectedPair(
  path: string,
): Promise<{ client: number; server: number; credentials: PeerCredentials }> {
  let listener: UnixListener | undefined;
  const accepted = new Promise<{ fd: number; credentials: PeerCredentials }>((resolve) => {
    listener = UnixListener.listen(
      { path, mode: 0o600 },
      { onConnection: (fd, credentials) => resolve({ fd, credentials }) },
    );
  });
  const client = connectUnix(path);
  const { fd, credentials } = await accepted;
  listener?.close();
  return { client, server: fd, credentials };
}

/** A real pipe (a FIFO opened at both ends, non-blocking). */
export function makePipe(dir: string, name = "fifo"): { read: number; write: number } {
  const path = join(dir, name);
  execFileSync("mkfifo", [path]);
  const read = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const write = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  return { read, write };
}

/** The process's open descriptors, to check that nothing leaks. */
export function openFds(): Set<number> {
  return new Set(readdirSync("/proc/self/fd").map(Number));
}

export function isOpen(fd: number): boolean {
  return openFds().has(fd);
}

export function closeQuietly(...fds: number[]): void {
  for (const fd of fds) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
  }
}

/** Resolves when check() returns true; rejects after a safety limit. */
export async function eventually(check: () => boolean, what: string, limitMs = 5_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
