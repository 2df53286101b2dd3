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
import { vmnetOptionsFor } from "./vmnet-options.js";
import { describeVmnetFailure } from "./vmnet-status.js";

export interface VmnetBackendOptions {
  readonly native: VmnetNative;
}

export function createVmnetBackend(options: VmnetBackendOptions): Backend {
  return new VmnetBackend(options.native);
}

class VmnetBackend implements Backend {
  readonly platform = "darwin" as const;
  readonly features: readonly string[] = [];

  constructor(private readonly native: VmnetNative) {}

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
      created = await this.native.vmnetCreateNetwork(options);
    } catch (error) {
      throw new CreateFailure(failureMessage(error));
    }
    return new VmnetNetwork(this.native, created, networkInfo(config, created));
  }
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
  ) {
    this.serialization = created.serialization;
  }

  /** vmnet's DHCP server has no lease API. */
  async leases(): Promise<LeaseInfo[]> {
    return [];
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
