// SPDX-License-Identifier: Apache-2.0
/**
 * Runs a program so that it dies with the broker, even after a `kill -9` and even
 * when the program changes its uid (dnsmasq drops root, and the kernel clears a
 * parent-death signal on any such change). A small guard stays between them:
 *
 *   setpriv --pdeathsig TERM -- sh -c '<guard script>' vmnet-broker-guard PROGRAM ARGS...
 *
 * The guard never changes its credentials, so its parent-death signal holds; on
 * SIGTERM (from the broker's death or from stop) it sends SIGTERM to the program,
 * waits for it, and exits with its status. The program's arguments arrive as "$@"
 * and are never pasted into the script.
 */
const GUARD_SCRIPT = [
  '"$@" &',
  "child=$!",
  "trap 'kill -TERM \"$child\" 2>/dev/null' TERM",
  'wait "$child"',
  "status=$?",
  // A trapped signal ends `wait` early: wait for the program's real end.
  'while kill -0 "$child" 2>/dev/null; do wait "$child"; status=$?; done',
  'exit "$status"',
].join("\n");

export function guardedCommand(command: readonly string[]): { file: string; args: string[] } {
  return {
    file: "setpriv",
    args: ["--pdeathsig", "TERM", "--", "sh", "-c", GUARD_SCRIPT, "vmnet-broker-guard", ...command],
  };
}
