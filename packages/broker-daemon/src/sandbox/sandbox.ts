/**
 * The broker's default sandbox on Linux: `serve` re-executes itself, keeping its
 * pid, into
 *
 *   unshare --net [--user --map-root-user] -- sh -c 'ip link set lo up && exec "$@"' ...
 *
 * so that the broker runs in a private network namespace made for this run. Its
 * bridges, nftables tables, TAPs and dnsmasq processes exist only in there. No
 * fork happens (unshare and sh both exec), so the pid the caller started is the
 * broker itself: SIGTERM, SIGINT and SIGHUP reach it directly. Every dnsmasq runs
 * under a guard with a parent-death signal (backend/linux/guarded-child.ts; a
 * signal on dnsmasq itself would be cleared when it drops root), so a `kill -9` of
 * the broker takes them with it; the namespace then has no process left and the
 * kernel frees it with every bridge, table and TAP inside. The Unix socket stays on the shared filesystem, so
 * clients outside still reach it, and TAP fds work across namespaces.
 *
 * (A pid namespace was tried first: `unshare --fork` blocks SIGTERM in the outer
 * process and never forwards it, so a sandboxed broker could not be stopped
 * cleanly. The parent-death signal gives the same leak guarantee without that.)
 *
 * Not root: `--user --map-root-user` adds a user namespace in which the broker is
 * root. What a rootless sandbox cannot do (docs/sandbox.md):
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
 * The program and arguments that run `command` (argv[0] is the program) in the
 * sandbox. A fixed `sh -c` script brings `lo` up inside and then execs the
 * command with its arguments passed as "$@" (never pasted into the script).
 */
export function sandboxCommand(command: readonly string[], asRoot: boolean): { file: string; args: string[] } {
  const args = ["--net"];
  if (!asRoot) args.push("--user", "--map-root-user");
  args.push("--", "sh", "-c", 'ip link set lo up && exec "$@"', "vmnet-broker-sandbox", ...command);
  return { file: "unshare", args };
}

/**
 * Replaces this process (same pid) with the sandboxed copy of itself:
 * node, its exec flags, then `argv` without argv[0] (pass process.argv).
 * Returns only by throwing (unshare missing, exec failed).
 */
export function enterSandbox(argv: readonly string[] = process.argv): never {
  // A single executable application repeats its own path as argv[1]; a script
  // run by node has the script there, which must be kept.
  const rest = argv[1] === process.execPath ? argv.slice(2) : argv.slice(1);
  const command = [process.execPath, ...process.execArgv, ...rest];
  const asRoot = process.getuid?.() === 0;
  const { file, args } = sandboxCommand(command, asRoot);
  return linuxNative().exec(file, [file, ...args], { ...process.env, [SANDBOX_MARKER]: "1" });
}
