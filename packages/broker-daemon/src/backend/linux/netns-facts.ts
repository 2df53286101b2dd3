/**
 * The kernel's answers for the veth namespace rule (netns-access.ts): what a
 * peer's fd is, and which network namespaces are the broker's own and the initial one.
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
  /** The initial network namespace (pid 1's); throws when it cannot be read. */
  initial(): NamespaceId;
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
  // pid 1's, not ours: the broker itself may run in a private namespace.
  initial: () => namespaceAt("/proc/1/ns/net"),
};
