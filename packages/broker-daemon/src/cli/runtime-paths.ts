// SPDX-License-Identifier: Apache-2.0
/**
 * Where a broker keeps its socket and runtime files (dnsmasq configs, leases,
 * records). Root uses /run/vmnet-broker. Anyone else cannot write there, so a
 * rootless sandbox uses $XDG_RUNTIME_DIR/vmnet-broker, as podman does, or,
 * without one, /tmp/vmnet-broker-UID, as tmux does, after checking that the
 * directory is really the user's own.
 */
import { existsSync, lstatSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const SYSTEM_RUNTIME_DIR = "/run/vmnet-broker";
export const SYSTEM_SOCKET = join(SYSTEM_RUNTIME_DIR, "broker.sock");

export interface Identity {
  readonly uid: number;
  readonly env: NodeJS.ProcessEnv;
}

const self = (): Identity => ({ uid: process.getuid?.() ?? 0, env: process.env });

/** The runtime directory for this user (not created). */
export function defaultRuntimeDir({ uid, env }: Identity = self()): string {
  if (uid === 0) return SYSTEM_RUNTIME_DIR;
  return env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, "vmnet-broker") : join(tmpdir(), `vmnet-broker-${uid}`);
}

/** The socket a broker of this user listens on by default. */
export function defaultServeSocket(identity: Identity = self()): string {
  return join(defaultRuntimeDir(identity), "broker.sock");
}

/**
 * The socket clients of the CLI talk to by default: the system broker's, but
 * for a user without one, that user's own sandbox broker when it runs.
 */
export function defaultClientSocket(identity: Identity = self(), exists = existsSync): string {
  if (identity.uid === 0 || exists(SYSTEM_SOCKET)) return SYSTEM_SOCKET;
  const own = defaultServeSocket(identity);
  return exists(own) ? own : SYSTEM_SOCKET;
}

/**
 * Creates a user's runtime directory (mode 0700) and refuses one that is not
 * a directory of that user's: in /tmp anyone could have made it first.
 */
export function makeUserRuntimeDir(dir: string, uid: number): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  if (!stat.isDirectory() || stat.uid !== uid || (stat.mode & 0o077) !== 0) {
    throw new Error(`${dir}: not a directory of uid ${uid} closed to others; remove it or pass --runtime-dir`);
  }
}
