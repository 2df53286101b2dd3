// SPDX-License-Identifier: Apache-2.0
// Runs an unmodified qemu-system-x86_64 as an unprivileged uid (TCG: that uid
// cannot open /dev/kvm) on the tiny guest of tools/guest, and reads the
// "VMTEST ..." lines its /init prints on the serial console.
import { execFileSync, spawn } from "node:child_process";
import { join } from "node:path";

const REPO = join(import.meta.dirname, "../../../..");
export const BRIDGE_HELPER = join(REPO, "packages/client-c/out/bin/vmnet-broker-bridge-helper");
/** The unprivileged uid and gid the VM tools run as. */
export const VM_UID = 4242;

/** Builds the guest once (cached outside the checkout); returns its directory. */
export function guestImage(): { kernel: string; initrd: string } {
  const dir = execFileSync("bash", [join(REPO, "tools/guest/build.sh")], { encoding: "utf8" }).trim();
  return { kernel: join(dir, "vmlinuz"), initrd: join(dir, "initramfs.gz") };
}

/** QEMU arguments that boot the guest, with `netdev` as its one NIC's back end. */
export function guestArgs(netdev: string, mac: string, append = ""): string[] {
  const { kernel, initrd } = guestImage();
  return [
    "-accel",
    "tcg",
    "-M",
    "pc",
    // qboot starts a kernel much faster than SeaBIOS under TCG.
    "-bios",
    "qboot.rom",
    "-m",
    "128",
    "-nodefaults",
    "-no-reboot",
    "-nographic",
    "-serial",
    "stdio",
    "-kernel",
    kernel,
    "-initrd",
    initrd,
    "-append",
    `console=ttyS0 quiet panic=-1 mitigations=off ${append}`.trim(),
    "-netdev",
    netdev,
    "-device",
    `virtio-net-pci,netdev=n0,mac=${mac},romfile=`,
  ];
}

export interface QemuRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** "VMTEST key rest" lines as key -> rest. */
  readonly results: Map<string, string>;
  readonly seconds: number;
}

/** Runs QEMU as VM_UID with the given environment until it exits (bounded). */
export function runQemu(args: readonly string[], env: Record<string, string>, timeoutMs = 240_000): Promise<QemuRun> {
  return runAs(VM_UID, ["qemu-system-x86_64", ...args], env, undefined, timeoutMs);
}

/**
 * A /dev/net/tun node with the mode distributions give it (0666; udev's
 * default), made in `dir`: this machine's is 0600, and a user who opens a TAP
 * by name needs to open it. Used through asUser(), never installed on the host.
 */
export function userTunNode(dir: string): string {
  const node = join(dir, "tun");
  execFileSync("mknod", ["-m", "666", node, "c", "10", "200"]);
  return node;
}

/** Where a VMM that opens a TAP by name must run: the TAP's namespace, and a usable /dev/net/tun. */
export interface ByName {
  /** A process in the broker's network namespace (TAP names are per namespace). */
  readonly netnsPid: number;
  /** From userTunNode(). */
  readonly tun: string;
}

/**
 * The command line that runs `command` as uid (and gid) `uid`, no supplementary
 * groups, killed if the test dies; with `byName`, inside the broker's network
 * namespace and a private mount namespace where its node stands in for
 * /dev/net/tun.
 */
export function asUser(uid: number, command: readonly string[], byName?: ByName): string[] {
  const user = ["setpriv", "--reuid", String(uid), "--regid", String(uid), "--clear-groups", "--pdeathsig", "KILL", ...command];
  if (byName === undefined) return user;
  const bindTun = 'mount --bind "$0" /dev/net/tun && exec "$@"';
  const namespaces = ["nsenter", `--net=/proc/${byName.netnsPid}/ns/net`, "unshare", "--mount", "--propagation", "private", "--"];
  return [...namespaces, "sh", "-c", bindTun, byName.tun, ...user];
}

/** Runs a command as uid (see asUser) until it exits (bounded). */
export function runAs(
  uid: number,
  command: readonly string[],
  env: Record<string, string>,
  byName?: ByName,
  timeoutMs = 240_000,
): Promise<QemuRun> {
  const started = Date.now();
  const [file, ...args] = asUser(uid, command, byName) as [string, ...string[]];
  const child = spawn(file, args, {
    env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  return new Promise((resolve) =>
    child.once("exit", (code) => {
      clearTimeout(timer);
      const results = new Map<string, string>();
      for (const m of stdout.matchAll(/^VMTEST (\S+) ?(.*?)\r?$/gm)) results.set(m[1] as string, m[2] as string);
      resolve({ code, stdout, stderr, results, seconds: (Date.now() - started) / 1000 });
    }),
  );
}
