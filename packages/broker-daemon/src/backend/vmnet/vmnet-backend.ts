// SPDX-License-Identifier: Apache-2.0
/**
 * The macOS backend: each network is a vmnet_network_ref held for as long as the
 * broker holds the network; clients get its XPC serialization and attach VMs
 * themselves (vmnet_network_create_with_serialization). vmnet has no TAP or veth,
 * so openTap/openVeth are absent and the core answers those with UNSUPPORTED.
 */
import { formatIPv4, parseIPv4 } from "../../config/ipv4.js";
import type { NetworkConfig } from "../../config/network-config.js";
import { type Backend, type BackendNetwork, CreateFailure, type LeaseInfo, type NetworkInfo } from "../../core/backend.js";
import type { VmnetCreated, VmnetCreateOptions, VmnetNative } from "../../transport/xpc/darwin-native.js";
import { watchLeaseFile } from "../lease-watch.js";
import { BOOTPD_LEASE_FILE, readBootpdLeases } from "./bootpd-leases.js";
import { vmnetOptionsFor } from "./vmnet-options.js";
import { describeVmnetFailure } from "./vmnet-status.js";

export interface VmnetBackendOptions {
  readonly native: VmnetNative;
  /** How long a creation may take before its peer gets CREATE_FAILURE. */
  readonly createTimeoutMs?: number;
  /** bootpd's lease file (default /var/db/dhcpd_leases); tests give their own. */
  readonly leaseFile?: string;
}

/** vmnet answers in well under a second; some macOS builds never answer. */
export const DEFAULT_CREATE_TIMEOUT_MS = 30_000;

export function createVmnetBackend(options: VmnetBackendOptions): Backend {
  return new VmnetBackend(options.native, options.createTimeoutMs ?? DEFAULT_CREATE_TIMEOUT_MS, options.leaseFile ?? BOOTPD_LEASE_FILE);
}

class VmnetBackend implements Backend {
  readonly platform = "darwin" as const;
  readonly features: readonly string[] = [];

  constructor(
    private readonly native: VmnetNative,
    private readonly createTimeoutMs: number,
    private readonly leaseFile: string,
  ) {}

  /** vmnet networks die with the process that created them: nothing survives a kill -9. */
  async reclaimLeftovers(): Promise<void> {}

  async createNetwork(config: NetworkConfig): Promise<BackendNetwork> {
    let options: VmnetCreateOptions;
    try {
      options = vmnetOptionsFor(config);
    } catch (error) {
      throw new CreateFailure(error instanceof Error ? error.message : String(error));
    }
    let created: VmnetCreated;
    try {
      created = await withDeadline(this.native.vmnetCreateNetwork(options), this.createTimeoutMs, (late) =>
        this.native.vmnetReleaseNetwork(late.network),
      );
    } catch (error) {
      throw new CreateFailure(failureMessage(error));
    }
    return new VmnetNetwork(this.native, created, networkInfo(config, created), this.leaseFile);
  }
}

/**
 * The creation's result, or a rejection once ms have passed: vmnet_network_create
 * has been seen to hang its thread, and the peer (and every peer waiting for the
 * same network) must get an answer. A network that arrives after that is released.
 */
function withDeadline(creation: Promise<VmnetCreated>, ms: number, releaseLate: (late: VmnetCreated) => void): Promise<VmnetCreated> {
  return new Promise((resolve, reject) => {
    let expired = false;
    const timer = setTimeout(() => {
      expired = true;
      reject(new Error(`vmnet_network_create did not finish within ${ms / 1000} s; vmnet may be stuck (see the broker's log)`));
    }, ms);
    timer.unref();
    creation.then(
      (created) => {
        clearTimeout(timer);
        if (expired) releaseLate(created);
        else resolve(created);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

function failureMessage(error: unknown): string {
  if (error instanceof Error) {
    const { vmnetCall, vmnetStatus } = error as Error & { vmnetCall?: unknown; vmnetStatus?: unknown };
    if (typeof vmnetCall === "string" && typeof vmnetStatus === "number") {
      return describeVmnetFailure(vmnetCall, vmnetStatus, error.message);
    }
    return error.message;
  }
  return String(error);
}

/** What vmnet reports, normalized: the network address (not the gateway) and the .1 gateway. */
function networkInfo(config: NetworkConfig, created: VmnetCreated): NetworkInfo {
  const address = parseIPv4(created.subnet) ?? 0;
  const mask = parseIPv4(created.mask) ?? 0;
  const network = (address & mask) >>> 0;
  const hasIPv6 = created.ipv6PrefixLength > 0 && created.ipv6Prefix !== "::";
  return {
    subnet: formatIPv4(network),
    mask: created.mask,
    gateway: formatIPv4((network + 1) >>> 0),
    ipv6Prefix: hasIPv6 ? `${created.ipv6Prefix}/${created.ipv6PrefixLength}` : "",
    mtu: config.mtu,
    bridge: "",
  };
}

class VmnetNetwork implements BackendNetwork {
  readonly serialization: unknown;
  #released = false;

  constructor(
    private readonly native: VmnetNative,
    private readonly created: VmnetCreated,
    readonly info: NetworkInfo,
    private readonly leaseFile: string,
  ) {
    this.serialization = created.serialization;
  }

  /** vmnet has no lease API: bootpd's file holds every vmnet network's leases; this one's are in its subnet. */
  async leases(): Promise<LeaseInfo[]> {
    const network = parseIPv4(this.info.subnet);
    const mask = parseIPv4(this.info.mask);
    if (network === undefined || mask === undefined) return [];
    const leases = await readBootpdLeases(this.leaseFile);
    return leases.filter((lease) => ((parseIPv4(lease.ip) ?? 0) & mask) >>> 0 === network);
  }

  watchLeases(onChange: () => void): () => void {
    return watchLeaseFile(this.leaseFile, onChange);
  }

  async removeInterface(): Promise<void> {}

  interfaceExists(): boolean {
    return false;
  }

  async destroy(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    try {
      this.native.vmnetReleaseNetwork(this.created.network);
    } catch {
      // Never throws (Backend contract); the handle's finalizer releases it anyway.
    }
  }
}
