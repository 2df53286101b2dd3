// SPDX-License-Identifier: Apache-2.0
/** kernelNetnsFacts: the facts the veth rule gets from this machine's kernel. */
import { openSync, statSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { createGuest, type Guest } from "../../sandbox/guest.js";
import { linuxNative } from "./native.js";
import { kernelNetnsFacts, NET_NS_INIT_INO } from "./netns-facts.js";

/** O_PATH on x86-64 and arm64 (Node has no constant for it). */
const O_PATH = 0o10000000;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function opened(path: string, flags: number | string = "r"): number {
  const fd = openSync(path, flags);
  cleanups.push(() => linuxNative().closeFd(fd));
  return fd;
}

async function guest(): Promise<Guest> {
  const made = await createGuest("facts");
  cleanups.push(() => made.remove());
  return made;
}

describe("kernelNetnsFacts", () => {
  it("describes a network namespace fd, and nothing else", async () => {
    const made = await guest();
    expect(kernelNetnsFacts.netnsOf(opened(made.netnsPath))).toMatchObject({ inode: statSync(made.netnsPath).ino, ownerUid: 0 });
    expect(kernelNetnsFacts.netnsOf(opened("/dev/null"))).toBeNull();
  });

  it("treats an O_PATH fd on a namespace as no namespace (the kernel would not take it either)", () => {
    expect(() => linuxNative().netnsInfo(opened("/proc/self/ns/net", O_PATH))).toThrow(/ioctl NS_GET_NSTYPE failed: EBADF/);
    expect(kernelNetnsFacts.netnsOf(opened("/proc/self/ns/net", O_PATH))).toBeNull();
  });

  it("knows the calling thread's namespace as the broker's own", async () => {
    const st = statSync("/proc/thread-self/ns/net");
    expect(kernelNetnsFacts.own()).toEqual({ dev: st.dev, inode: st.ino });
    expect(kernelNetnsFacts.own().inode).not.toBe(statSync((await guest()).netnsPath).ino);
  });

  it("knows the initial namespace by its fixed inode, and a fresh one is not it", async () => {
    const st = statSync("/proc/thread-self/ns/net");
    expect(kernelNetnsFacts.isInitial({ dev: st.dev, inode: NET_NS_INIT_INO })).toBe(true);
    const made = statSync((await guest()).netnsPath);
    expect(kernelNetnsFacts.isInitial({ dev: made.dev, inode: made.ino })).toBe(false);
  });
});
