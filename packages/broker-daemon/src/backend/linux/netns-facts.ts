// SPDX-License-Identifier: Apache-2.0
/**
 * The kernel's answers for the veth namespace rule (netns-access.ts): what a
 * peer's fd is, which network namespace is the broker's own, and which the initial one.
 */
import { statSync } from "node:fs";
import { linuxNative } from "./native.js";
import type { NetnsInfo } from "./native-surface.js";

/** st_dev and st_ino of a namespace: equal pairs are the same namespace. */
export interface NamespaceId {
  readonly dev: number;
  readonly inode: number;
}

export interface NetnsFacts {
  /** The network namespace behind `fd`; null when the fd is anything else. */
  netnsOf(fd: number): NetnsInfo | null;
  /** The broker's own network namespace. */
  own(): NamespaceId;
  /** True for the initial network namespace, as far as the kernel lets the broker tell. */
  isInitial(netns: NamespaceId): boolean;
}

/**
 * The initial network namespace's fixed inode (uapi NET_NS_INIT_INO, recent
 * kernels). Older kernels number every namespace from 0xF0000000 up, so there no
 * namespace has it.
 */
export const NET_NS_INIT_INO = 0xeffffff9;

export function sameNamespace(a: NamespaceId, b: NamespaceId): boolean {
  return a.dev === b.dev && a.inode === b.inode;
}

function namespaceAt(path: string): NamespaceId {
  const st = statSync(path);
  return { dev: st.dev, inode: st.ino };
}

export const kernelNetnsFacts: NetnsFacts = {
  netnsOf: (fd) => {
    try {
      return linuxNative().netnsInfo(fd);
    } catch (error) {
      // An O_PATH fd passes fstatfs but no ioctl (nor IFLA_NET_NS_FD): not usable.
      if ((error as { code?: unknown }).code === "EBADF") return null;
      throw error;
    }
  },
  // thread-self: the thread that creates the links (sync fs calls run on it).
  own: () => namespaceAt("/proc/thread-self/ns/net"),
  isInitial: (netns) => {
    if (netns.inode === NET_NS_INIT_INO) return true;
    try {
      // pid 1's, not ours: the broker itself may run in a private namespace.
      return sameNamespace(netns, namespaceAt("/proc/1/ns/net"));
    } catch {
      // pid 1 can be out of even root's reach (EACCES in some containers and VMs).
      // The owner rule still refuses the initial namespace to everyone but root:
      // its owner is uid 0, or lies outside the broker's user namespace.
      return false;
    }
  },
};
