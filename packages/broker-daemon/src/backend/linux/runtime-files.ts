// SPDX-License-Identifier: Apache-2.0
/** Where one network's runtime files live: `<runtimeDir>/linux/<short>/`. */
import { join } from "node:path";
import type { DnsmasqFiles } from "./dnsmasq-config.js";
import { RUNTIME_SUBDIR, shortId } from "./names.js";

export function networksDir(runtimeDir: string): string {
  return join(runtimeDir, RUNTIME_SUBDIR);
}

export function networkDir(runtimeDir: string, networkName: string): string {
  return join(networksDir(runtimeDir), shortId(networkName));
}

export function dnsmasqFiles(dir: string): DnsmasqFiles {
  return {
    conf: join(dir, "dnsmasq.conf"),
    pid: join(dir, "dnsmasq.pid"),
    leases: join(dir, "dnsmasq.leases"),
    log: join(dir, "dnsmasq.log"),
  };
}
