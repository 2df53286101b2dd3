/** One live Linux network: bridge + nftables table + dnsmasq, and its interfaces. */
import { rm } from "node:fs/promises";
import type { BackendNetwork, LeaseInfo, NetworkInfo, OpenedInterface, TapOptions, VethOptions } from "../../core/backend.js";
import { deleteLink } from "./bridge.js";
import type { RunningDnsmasq } from "./dnsmasq.js";
import { readLeases } from "./leases.js";
import { TAP_PREFIX, VETH_PREFIX } from "./names.js";
import { linuxNative } from "./native.js";
import { checkVethTarget } from "./netns-access.js";
import { deleteFirewall } from "./nftables.js";
import { openTapOnBridge } from "./tap.js";
import { openVethOnBridge } from "./veth.js";

export interface LinuxNetworkParts {
  readonly info: NetworkInfo;
  readonly table: string;
  readonly dir: string;
  readonly leaseFile: string;
  readonly dnsmasq?: RunningDnsmasq;
  /** Called once destroy() has removed everything (the backend forgets the network). */
  readonly onDestroyed: () => void;
}

export class LinuxNetwork implements BackendNetwork {
  readonly info: NetworkInfo;
  private readonly interfaces = new Set<string>();
  private destroyed: Promise<void> | undefined;

  constructor(private readonly parts: LinuxNetworkParts) {
    this.info = parts.info;
  }

  /** IPv4 leases from dnsmasq's lease file (empty without DHCP). */
  leases(): Promise<LeaseInfo[]> {
    return readLeases(this.parts.leaseFile);
  }

  async openTap(options: TapOptions): Promise<OpenedInterface> {
    const opened = openTapOnBridge(this.info.bridge, this.info.mtu, options);
    this.interfaces.add(opened.name);
    return opened;
  }

  /** Only into a namespace the peer may use (netns-access.ts). */
  async openVeth(options: VethOptions): Promise<OpenedInterface> {
    checkVethTarget(options);
    const opened = await openVethOnBridge(this.info.bridge, this.info.mtu, options.netnsFd, options.ifname);
    this.interfaces.add(opened.name);
    return opened;
  }

  /** Only ever deletes a TAP or veth of ours; any other name is a no-op. */
  async removeInterface(name: string): Promise<void> {
    this.interfaces.delete(name);
    if (!name.startsWith(TAP_PREFIX) && !name.startsWith(VETH_PREFIX)) return;
    if (linuxNative().interfaceIndex(name) !== 0) await deleteLink(name);
  }

  interfaceExists(name: string): boolean {
    return linuxNative().interfaceIndex(name) !== 0;
  }

  /** dnsmasq first (it answers on the bridge), then rules, ports, bridge, files. */
  destroy(): Promise<void> {
    this.destroyed ??= this.removeEverything();
    return this.destroyed;
  }

  private async removeEverything(): Promise<void> {
    await this.parts.dnsmasq?.stop();
    await deleteFirewall(this.parts.table);
    for (const name of this.interfaces) await deleteLink(name);
    this.interfaces.clear();
    await deleteLink(this.info.bridge);
    try {
      await rm(this.parts.dir, { recursive: true, force: true });
    } catch {
      // destroy() never throws; a file left here is removed by the next reclaim.
    }
    this.parts.onDestroyed();
  }
}
