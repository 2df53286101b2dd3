// SPDX-License-Identifier: Apache-2.0
/** The first socket systemd passes (SD_LISTEN_FDS_START). */
const FIRST_LISTEN_FD = 3;

/**
 * The listening fd systemd socket activation passed to this process, if any:
 * fd 3 when LISTEN_PID is our pid and LISTEN_FDS is at least 1.
 */
export function inheritedListenFd(
  env: NodeJS.ProcessEnv = process.env,
  pid: number = process.pid,
): number | undefined {
  const listenPid = Number(env.LISTEN_PID);
  const listenFds = Number(env.LISTEN_FDS);
  if (!Number.isInteger(listenPid) || listenPid !== pid) return undefined;
  if (!Number.isInteger(listenFds) || listenFds < 1) return undefined;
  return FIRST_LISTEN_FD;
}
