// SPDX-License-Identifier: Apache-2.0
/** One live Linux network: bridge + nftables table + dnsmasq, and its interfaces. */
import { rm } from "node:fs/promises";
import type { PortForwardingRule } from "../../config/network-config.js";
import type {
  BackendNetwork,
  InterfaceNote,
  LeaseInfo,
  NetworkInfo,
  OpenedInterface,
  TapOptions,
  VethOptions,
} from "../../core/backend.js";
import { watchLeaseFile } from "../lease-watch.js";
import { deleteLink } from "./bridge.js";
import type { RunningDnsmasq } from "./dnsmasq.js";
import { type DnsmasqExit, DnsmasqSupervisor } from "./dnsmasq-supervisor.js";
import { readLeases } from "./leases.js";
import { TAP_PREFIX, VETH_PREFIX } from "./names.js";
import { linuxNative } from "./native.js";
import { ipv6Neighbours } from "./neighbours.js";
import { checkVethTarget } from "./netns-access.js";
import { deleteFirewall } from "./nftables.js";
import { type NetworkRecord, writeRecord } from "./records.js";
import { openTapOnBridge } from "./tap.js";
import { openVethOnBridge } from "./veth.js";

export interface LinuxNetworkParts {
  readonly info: NetworkInfo;
  readonly table: string;
  readonly dir: string;
  readonly leaseFile: string;
  readonly dnsmasq?: RunningDnsmasq;
  /** Starts dnsmasq again the way it was started, when it dies on its own. */
  readonly restartDnsmasq?: () => Promise<RunningDnsmasq | undefined>;
  /** Told when dnsmasq died on its own, and whether it runs again (the daemon logs it). */
  readonly onDnsmasqExit?: (exit: DnsmasqExit) => void;
  /** What the record says besides the interfaces and dnsmasq. */
  readonly record: Omit<NetworkRecord, "interfaces" | "dnsmasq">;
  /** Interfaces it starts with (adopted from a previous broker). */
  readonly interfaces?: readonly InterfaceNote[];
  /** Called once destroy() has removed everything (the backend forgets the network). */
  readonly onDestroyed: () => void;
  /** The device opened for TapOptions.vhostNet. */
  readonly vhostNetDevice: string;
  /** The VXLAN port of an overlay network (overlay.ts), removed with it. */
  readonly overlayDevice?: string;
}

export class LinuxNetwork implements BackendNetwork {
  readonly info: NetworkInfo;
  private readonly interfaces = new Set<string>();
  private destroyed: Promise<void> | undefined;
  private removing = false;
  private notes: readonly InterfaceNote[];
  /** Record writes, in order. */
  private writes: Promise<void> = Promise.resolve();
  private readonly dnsmasq: DnsmasqSupervisor;

  constructor(private readonly parts: LinuxNetworkParts) {
    this.info = parts.info;
    this.dnsmasq = new DnsmasqSupervisor(parts.dnsmasq, {
      start: parts.restartDnsmasq ?? (async () => undefined),
      // The record names the dnsmasq the next broker may have to stop.
      onReplaced: () => this.saveRecord().catch(() => undefined),
      ...(parts.onDnsmasqExit ? { onExit: parts.onDnsmasqExit } : {}),
    });
    this.notes = parts.interfaces ?? [];
    for (const note of this.notes) this.interfaces.add(note.name);
  }

  /** The port forwards its table carries. */
  get forwards(): readonly PortForwardingRule[] {
    return this.parts.record.definition.portForwarding ?? [];
  }

  /** True when `name` is an interface this network opened or adopted. */
  hasInterface(name: string): boolean {
    return this.interfaces.has(name);
  }

  interfaceNames(): string[] {
    return [...this.interfaces];
  }

  /** The link is gone (the kernel said so): nothing left to delete. */
  forgetInterface(name: string): void {
    this.interfaces.delete(name);
  }

  noteInterfaces(interfaces: readonly InterfaceNote[]): Promise<void> {
    this.notes = interfaces;
    return this.saveRecord();
  }

  /** Keeps everything in the kernel and the record for the next broker; only dnsmasq stops (it runs under us). */
  async leave(): Promise<void> {
    this.destroyed ??= (async () => {
      await this.saveRecord().catch(() => undefined);
      await this.stopDnsmasq();
      this.parts.onDestroyed();
    })();
    return this.destroyed;
  }

  private stopDnsmasq(): Promise<void> {
    return this.dnsmasq.stop();
  }

  private saveRecord(): Promise<void> {
    const running = this.dnsmasq.current;
    const record: NetworkRecord = {
      ...this.parts.record,
      dnsmasq: running ? { pid: running.pid, conf: running.conf } : null,
      interfaces: this.notes,
    };
    const write = this.writes.then(() => {
      // Never recreate the record of a network being removed.
      if (!this.removing) writeRecord(this.parts.dir, record);
    });
    this.writes = write.catch(() => undefined);
    return write;
  }

  /** IPv4 leases from dnsmasq's lease file (empty without DHCP). */
  leases(): Promise<LeaseInfo[]> {
    return readLeases(this.parts.leaseFile);
  }

  /** Only networks with an IPv6 prefix run IPv6 on their bridge: the others skip the look-up. */
  async ipv6Of(mac: string): Promise<string[]> {
    return this.info.ipv6Prefix === "" ? [] : ipv6Neighbours(this.info.bridge, mac);
  }

  /** Quiet while the network is being removed: its lease file goes with it. */
  watchLeases(onChange: () => void): () => void {
    return watchLeaseFile(this.parts.leaseFile, () => {
      if (!this.removing) onChange();
    });
  }

  async openTap(options: TapOptions): Promise<OpenedInterface> {
    const opened = await openTapOnBridge(this.info.bridge, this.info.mtu, options, this.parts.vhostNetDevice);
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
    if (linuxNative().interfaceIndex(name) !== 0) deleteLink(name);
  }

  interfaceExists(name: string): boolean {
    return linuxNative().interfaceIndex(name) !== 0;
  }

  /** dnsmasq first (it answers on the bridge), then rules, ports, the VXLAN device, bridge, files. */
  destroy(): Promise<void> {
    this.removing = true;
    this.destroyed ??= this.removeEverything();
    return this.destroyed;
  }

  private async removeEverything(): Promise<void> {
    await this.stopDnsmasq();
    deleteFirewall(this.parts.table);
    for (const name of this.interfaces) deleteLink(name);
    this.interfaces.clear();
    if (this.parts.overlayDevice !== undefined) deleteLink(this.parts.overlayDevice);
    deleteLink(this.info.bridge);
    try {
      await rm(this.parts.dir, { recursive: true, force: true });
    } catch {
      // destroy() never throws; a file left here is removed by the next reclaim.
    }
    this.parts.onDestroyed();
  }
}
