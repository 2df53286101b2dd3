// SPDX-License-Identifier: Apache-2.0
/** netnsInfo: what the kernel says about a namespace fd a peer could send. */
import { spawn } from "node:child_process";
import { openSync, readlinkSync, statSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { createGuest, type Guest } from "../../sandbox/guest.js";
import { linuxNative } from "./native.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function opened(path: string): number {
  const fd = openSync(path, "r");
  cleanups.push(() => linuxNative().closeFd(fd));
  return fd;
}

async function guest(): Promise<Guest> {
  const made = await createGuest("info");
  cleanups.push(() => made.remove());
  return made;
}

/** A user + network namespace made by uid 4242 (no passwd entry needed); returns its holder's pid. */
async function namespaceOfUid4242(): Promise<number> {
  const own = readlinkSync("/proc/self/ns/net");
  const child = spawn(
    "setpriv",
    [
      "--reuid",
      "4242",
      "--regid",
      "4242",
      "--clear-groups",
      "--pdeathsig",
      "KILL",
      "--",
      "unshare",
      "--user",
      "--net",
      "sleep",
      "infinity",
    ],
    { stdio: "ignore" },
  );
  cleanups.push(() => {
    child.kill("SIGKILL");
  });
  const pid = child.pid as number;
  for (let i = 0; i < 500; i++) {
    try {
      if (readlinkSync(`/proc/${pid}/ns/net`) !== own) return pid;
    } catch {
      // Not started yet.
    }
    await sleep(5);
  }
  throw new Error("uid 4242's namespace did not appear");
}

describe("netnsInfo", () => {
  it("identifies a network namespace by the same device and inode stat(2) gives its path", async () => {
    const made = await guest();
    const info = linuxNative().netnsInfo(opened(made.netnsPath));
    const st = statSync(made.netnsPath);
    expect(info).toEqual({ dev: st.dev, inode: st.ino, ownerUid: 0 });
    expect(readlinkSync(made.netnsPath)).toBe(`net:[${st.ino}]`);
  });

  it("tells this thread's namespace apart from another one", async () => {
    const mine = linuxNative().netnsInfo(opened("/proc/thread-self/ns/net"));
    const other = linuxNative().netnsInfo(opened((await guest()).netnsPath));
    expect(mine?.inode).toBe(statSync("/proc/thread-self/ns/net").ino);
    expect(mine?.inode).not.toBe(other?.inode);
  });

  it("reports the uid that owns the namespace's user namespace", async () => {
    const pid = await namespaceOfUid4242();
    expect(linuxNative().netnsInfo(opened(`/proc/${pid}/ns/net`))?.ownerUid).toBe(4242);
  });

  it("answers null for other namespaces and for files that are no namespace", () => {
    for (const path of ["/proc/self/ns/uts", "/proc/self/ns/user", "/dev/null", "/proc/self/stat"]) {
      expect(linuxNative().netnsInfo(opened(path))).toBeNull();
    }
  });

  it("names fstatfs when the fd is not open, and checks its argument", () => {
    // Far above any open-file limit, so never open.
    expect(() => linuxNative().netnsInfo(2_147_483_000)).toThrow(/fstatfs failed: EBADF/);
    expect(() => linuxNative().netnsInfo(-1)).toThrow(TypeError);
    expect(() => (linuxNative().netnsInfo as (fd: unknown) => unknown)("3")).toThrow(/netnsInfo\(fd: number\)/);
  });
});
