// SPDX-License-Identifier: Apache-2.0
/**
 * The broker's default sandbox on Linux: `serve` runs in a private network
 * namespace made for this run. Its bridges, nftables tables, TAPs and dnsmasq
 * processes exist only in there.
 *
 * As root, the main thread moves itself (unshare(CLONE_NEWNET), the addon's
 * enterNewNetns) and brings `lo` up; nothing is executed again, so node boots once
 * (the re-execution through unshare, sh and ip cost more than node's own start).
 * Only the main thread changes namespace, and that is enough: every call of the
 * broker that depends on the namespace runs on it (the addon's netlink and ioctl
 * calls, sysctl writes, /proc/thread-self reads), child processes inherit it from
 * the thread that spawns them, and the Unix socket is a path on the shared
 * filesystem. libuv's pool and V8's threads stay outside and do no networking.
 *
 * Not root: unshare(CLONE_NEWUSER) is refused to a multi-threaded process, so the
 * process re-executes itself, keeping its pid, into
 *
 *   unshare --net --user --map-root-user -- node ...
 *
 * and the new process brings `lo` up itself. No fork happens (unshare execs), so
 * the pid the caller started is the broker: SIGTERM, SIGINT and SIGHUP reach it.
 *
 * Every dnsmasq runs under a guard with a parent-death signal
 * (backend/linux/guarded-child.ts), so a `kill -9` of the broker takes them with it;
 * the namespace then has no process left and the kernel frees it with every bridge,
 * table and TAP inside. Clients outside reach the socket, and TAP fds work across
 * namespaces.
 *
 * (A pid namespace was tried first: `unshare --fork` blocks SIGTERM in the outer
 * process and never forwards it, so a sandboxed broker could not be stopped
 * cleanly. The parent-death signal gives the same leak guarantee without that.)
 *
 * What a rootless sandbox cannot do (docs/sandbox.md):
 * - move a veth end into a client's network namespace (EPERM: that namespace
 *   belongs to another user namespace), so openVeth fails for outside clients;
 * - give TAP devices to other users: only the invoking user's uid is mapped, and
 *   TUNSETOWNER with an unmapped uid fails (EINVAL);
 * - reach anything outside: there is no uplink, so `shared` NATs to nowhere;
 * - use /dev/net/tun at all where the kernel or container forbids it for user
 *   namespaces.
 */
import { linuxNative } from "../backend/linux/native.js";

/** Set in the environment of the re-executed broker so it does not loop. */
export const SANDBOX_MARKER = "VMNET_BROKER_SANDBOXED";

/** True when this process already runs inside the sandbox. */
export function isSandboxed(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[SANDBOX_MARKER] === "1";
}

/**
 * The program and arguments that run `command` (argv[0] is the program) in a new
 * network and user namespace, where the caller is root (the rootless sandbox).
 */
export function sandboxCommand(command: readonly string[]): { file: string; args: string[] } {
  return { file: "unshare", args: ["--net", "--user", "--map-root-user", "--", ...command] };
}

/**
 * Runs the rest of this process in the sandbox, with `lo` up. As root the main
 * thread enters a new namespace and this returns; otherwise the process replaces
 * itself (same pid) with the sandboxed copy of itself, node, its exec flags, then
 * `argv` without argv[0] (pass process.argv), which calls this again and returns.
 * Throws when the namespace cannot be made or the exec fails.
 */
export function enterSandbox(argv: readonly string[] = process.argv): void {
  const native = linuxNative();
  if (!isSandboxed()) {
    if (process.getuid?.() !== 0) {
      // A single executable application repeats its own path as argv[1]; a script
      // run by node has the script there, which must be kept.
      const rest = argv[1] === process.execPath ? argv.slice(2) : argv.slice(1);
      const { file, args } = sandboxCommand([process.execPath, ...process.execArgv, ...rest]);
      native.exec(file, [file, ...args], { ...process.env, [SANDBOX_MARKER]: "1" });
    }
    native.enterNewNetns();
    // Children (dnsmasq) inherit it; a nested serve must not sandbox again.
    process.env[SANDBOX_MARKER] = "1";
  }
  native.setUp("lo");
}
