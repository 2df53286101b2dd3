// SPDX-License-Identifier: Apache-2.0
/** The Linux Backend: bridges, nftables, dnsmasq, TAP and veth in this namespace. */

import { mkdir, readFile, rm } from "node:fs/promises";
import { formatSubnet, parseIPv4, prefixLength, type Subnet } from "../../config/ipv4.js";
import type { NetworkConfig } from "../../config/network-config.js";
import type { AdoptedNetwork, Backend, BackendNetwork } from "../../core/backend.js";
import { CreateFailure } from "../../core/backend.js";
import { type NotAdopted, stopRecordedDnsmasq, surveyRecords } from "./adopt.js";
import { createBridge, deleteLink } from "./bridge.js";
import { type RunningDnsmasq, startDnsmasq } from "./dnsmasq.js";
import { type DnsmasqFiles, needsDnsmasq } from "./dnsmasq-config.js";
import type { DnsmasqExit } from "./dnsmasq-supervisor.js";
import { forwardClash, needsRouteLocalnet } from "./forward-rules.js";
import { type Ipv6Plan, planIpv6 } from "./ipv6.js";
import { type ReclaimReport, reclaimLeftovers, type Spared } from "./leftovers.js";
import { bridgeName, isOurInterface, tableName, vxlanName } from "./names.js";
import { linuxNative } from "./native.js";
import { LinuxNetwork, type LinuxNetworkParts } from "./network.js";
import { applyFirewall, deleteFirewall, type FirewallSpec } from "./nftables.js";
import { createOverlayDevice, type OverlayPlan, planOverlay } from "./overlay.js";
import { configOf, definitionOf, sameDefinition } from "./records.js";
import { checkReservations } from "./reservations.js";
import { dnsmasqFiles, networkDir } from "./runtime-files.js";
import {
  checkStaticSubnet,
  namespaceOccupants,
  type Occupant,
  pickDynamicSubnet,
  planSubnet,
  type SubnetPlan,
  staticSubnet,
} from "./subnets.js";
import { allowLoopbackSources, enableForwarding, keepBridgesOutOfNetfilter } from "./sysctl.js";
import { VHOST_NET } from "./tap.js";

export interface LinuxBackendOptions {
  /** Directory for per-network runtime files (dnsmasq config, pid, leases, log). */
  readonly runtimeDir: string;
  /** Told what reclaimLeftovers() removed (the daemon logs it). */
  readonly onReclaimed?: (report: ReclaimReport) => void;
  /** Told about each recorded network that is not adopted, and why. */
  readonly onNotAdopted?: (network: NotAdopted) => void;
  /** Told when a network's dnsmasq died on its own, and whether it runs again. */
  readonly onDnsmasqExit?: (network: string, exit: DnsmasqExit) => void;
  /**
   * Once per backend: a dnsmasq could not be taken out of the namespace's address
   * and route events (no ptrace rights), so each new network wakes every dnsmasq.
   */
  readonly onDnsmasqHearsAll?: (network: string, why: string) => void;
  /**
   * Running in the private namespace of `serve` without --host. dnsmasq then
   * forwards no DNS query upstream (`no-resolv`): there is no uplink, and nothing
   * is sent out of the namespace. (dnsmasq dies with the broker in every mode: it
   * runs under a guard with a parent-death signal, see guarded-child.ts.)
   */
  readonly sandboxed?: boolean;
  /**
   * The namespace is the broker's own (default: when sandboxed), so its bridge
   * netfilter switches may be turned off (sysctl.ts). Tests set it for theirs.
   */
  readonly ownsNamespace?: boolean;
  /** The device opened for TapOptions.vhostNet (default /dev/vhost-net). */
  readonly vhostNetDevice?: string;
}

/** True inside a user namespace that maps only uid 0 (a rootless sandbox). */
async function onlyRootMapped(): Promise<boolean> {
  try {
    const map = (await readFile("/proc/self/uid_map", "utf8")).trim().split(/\s+/);
    return !(map[0] === "0" && map[1] === "0" && map[2] === "4294967295");
  } catch {
    return false;
  }
}

function subnetOf(info: { subnet: string; mask: string }): Subnet {
  return { network: parseIPv4(info.subnet) ?? 0, prefix: prefixLength(parseIPv4(info.mask) ?? 0) ?? 32 };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

class LinuxBackend implements Backend {
  readonly platform = "linux" as const;
  readonly features = ["tap", "veth"] as const;
  private readonly networks = new Map<string, LinuxNetwork>();
  /** Creations run one at a time so two networks never pick the same subnet. */
  private queue: Promise<unknown> = Promise.resolve();
  /** The uid map never changes while the broker runs: read it once. */
  private rootOnly: Promise<boolean> | undefined;
  private toldHearsAll = false;
  /** What adoptLeftovers() took over, for reclaimLeftovers() to spare. */
  private spared: Spared | undefined;

  constructor(private readonly options: LinuxBackendOptions) {}

  async adoptLeftovers(): Promise<AdoptedNetwork[]> {
    const survey = await surveyRecords(this.options.runtimeDir);
    for (const entry of survey.notAdopted) this.options.onNotAdopted?.(entry);
    const adopted: AdoptedNetwork[] = [];
    const spared = { directories: new Set<string>(), tables: new Set<string>(), links: new Set<string>(), pids: new Set<number>() };
    for (const { dir, path, record, attached } of survey.adoptable) {
      const config = configOf(record, path);
      const ipv4 = planSubnet({ network: parseIPv4(record.ipv4.network) ?? 0, prefix: record.ipv4.prefix });
      let dnsmasq: RunningDnsmasq | undefined;
      let overlayMtu: number | undefined;
      let servedIpv6: Ipv6Plan | undefined;
      try {
        // An overlay's MTU came from its underlay: the bridge keeps the one it was given.
        if (config.overlay !== undefined) overlayMtu = linuxNative().mtuOf(record.bridge);
        const ipv6 = config.ipv6Prefix === undefined ? undefined : planIpv6(config.name, config.ipv6Prefix);
        servedIpv6 = (config.overlay?.servesDhcp ?? true) ? ipv6 : undefined;
        await stopRecordedDnsmasq(record);
        // The same lease file: leases handed out before the restart stay valid.
        dnsmasq = await this.startDns(config, record.bridge, ipv4, servedIpv6, dnsmasqFiles(dir), overlayMtu);
        await dnsmasq?.untilServing();
      } catch (error) {
        await dnsmasq?.stop();
        this.options.onNotAdopted?.({ dir, reason: `dnsmasq could not be restarted: ${describe(error)}`, suspicious: true });
        continue;
      }
      const network = this.register(config, {
        info: {
          subnet: ipv4.network,
          mask: ipv4.mask,
          gateway: ipv4.gateway,
          ipv6Prefix: config.ipv6Prefix === undefined ? "" : planIpv6(config.name, config.ipv6Prefix).prefix,
          mtu: overlayMtu ?? config.mtu,
          bridge: record.bridge,
        },
        table: record.table,
        dir,
        leaseFile: record.leaseFile,
        ...(dnsmasq ? { dnsmasq } : {}),
        ...(config.overlay ? { overlayDevice: vxlanName(config.name) } : {}),
        restartDnsmasq: () => this.startDns(config, record.bridge, ipv4, servedIpv6, dnsmasqFiles(dir), overlayMtu),
        record: {
          version: record.version,
          name: record.name,
          definition: record.definition,
          ipv4: record.ipv4,
          bridge: record.bridge,
          table: record.table,
          leaseFile: record.leaseFile,
        },
        interfaces: attached,
      });
      spared.directories.add(dir);
      spared.tables.add(record.table);
      spared.links.add(record.bridge);
      if (config.overlay) spared.links.add(vxlanName(config.name));
      for (const i of attached) spared.links.add(i.name);
      if (dnsmasq) spared.pids.add(dnsmasq.pid);
      adopted.push({ config, network, interfaces: attached, sameDefinition: (current) => sameDefinition(current, record.definition) });
    }
    this.spared = spared;
    return adopted;
  }

  async reclaimLeftovers(): Promise<void> {
    const report = await reclaimLeftovers(this.options.runtimeDir, this.spared);
    this.options.onReclaimed?.(report);
  }

  watchInterfaces(onGone: (name: string) => void): () => void {
    return linuxNative().watchLinks((ifname) => {
      try {
        if (ifname === "") {
          // The kernel dropped notifications: look at every interface we know.
          for (const network of this.networks.values()) {
            for (const name of network.interfaceNames()) if (!network.interfaceExists(name)) this.gone(name, onGone);
          }
        } else if (isOurInterface(ifname)) {
          this.gone(ifname, onGone);
        }
      } catch {
        // A watcher callback must never throw into the addon.
      }
    });
  }

  private gone(name: string, onGone: (name: string) => void): void {
    for (const network of this.networks.values()) network.forgetInterface(name);
    onGone(name);
  }

  private startDns(
    config: NetworkConfig,
    bridge: string,
    ipv4: SubnetPlan,
    ipv6: Ipv6Plan | undefined,
    files: DnsmasqFiles,
    overlayMtu?: number,
  ): Promise<RunningDnsmasq | undefined> {
    const dnsSpec = { dhcp: config.dhcp, dns: config.dns, ...(ipv6 ? { ipv6 } : {}) };
    if (!needsDnsmasq(dnsSpec)) return Promise.resolve(undefined);
    this.rootOnly ??= onlyRootMapped();
    const started = this.rootOnly.then((runAsRoot) =>
      startDnsmasq({
        ...dnsSpec,
        networkName: config.name,
        bridge,
        mode: config.mode,
        ipv4,
        reservations: checkReservations(config.name, ipv4, config.dhcpReservations),
        files,
        runAsRoot,
        upstreamDns: !(this.options.sandboxed ?? false),
        ...(overlayMtu !== undefined ? { interfaceMtu: overlayMtu } : {}),
      }),
    );
    return started.then((dnsmasq) => {
      if (dnsmasq.hearsAllNetworks !== undefined && !this.toldHearsAll) {
        this.toldHearsAll = true;
        this.options.onDnsmasqHearsAll?.(config.name, dnsmasq.hearsAllNetworks);
      }
      return dnsmasq;
    });
  }

  private register(
    config: NetworkConfig,
    parts: Omit<LinuxNetworkParts, "onDestroyed" | "vhostNetDevice" | "onDnsmasqExit">,
  ): LinuxNetwork {
    const network: LinuxNetwork = new LinuxNetwork({
      ...parts,
      vhostNetDevice: this.options.vhostNetDevice ?? VHOST_NET,
      onDnsmasqExit: (exit) => this.options.onDnsmasqExit?.(config.name, exit),
      onDestroyed: () => {
        if (this.networks.get(config.name) === network) this.networks.delete(config.name);
      },
    });
    this.networks.set(config.name, network);
    return network;
  }

  createNetwork(config: NetworkConfig): Promise<BackendNetwork> {
    const run = this.queue.then(() => this.create(config));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async create(config: NetworkConfig): Promise<BackendNetwork> {
    if (this.networks.has(config.name)) {
      throw new CreateFailure(`network '${config.name}' already exists in this backend`);
    }
    const bridge = bridgeName(config.name);
    const table = tableName(config.name);
    for (const [name, network] of this.networks) {
      if (network.info.bridge === bridge) {
        throw new CreateFailure(`network '${config.name}' would reuse bridge ${bridge} of network '${name}'`);
      }
    }
    // The configuration refuses clashes among its files; a live network may still run an older definition.
    for (const [name, network] of this.networks) {
      const clash = forwardClash(config.portForwarding, network.forwards);
      if (clash) throw new CreateFailure(`network '${config.name}': ${clash} is forwarded by live network '${name}' already`);
    }
    const fixed = staticSubnet(config.name, config.subnet, config.mask);
    // Our own networks first, so that a clash with one of them names it.
    const ours: Occupant[] = [...this.networks].map(([name, network]) => {
      const subnet = subnetOf(network.info);
      return { subnet, description: `network '${name}' (${formatSubnet(subnet)} on ${network.info.bridge})` };
    });
    const occupants = [...ours, ...(await namespaceOccupants())];
    if (fixed !== undefined) checkStaticSubnet(config.name, fixed, occupants);
    const ipv4 = planSubnet(fixed ?? pickDynamicSubnet(config.name, occupants));
    checkReservations(config.name, ipv4, config.dhcpReservations);
    const ipv6: Ipv6Plan | undefined = config.ipv6Prefix === undefined ? undefined : planIpv6(config.name, config.ipv6Prefix);

    const overlay: OverlayPlan | undefined =
      config.overlay === undefined
        ? undefined
        : planOverlay(config.name, config.overlay, config.explicitSettings?.has("mtu") ? config.mtu : undefined);
    const mtu = overlay?.mtu ?? config.mtu;
    // An overlay host that does not serve the segment is a plain switch: no gateway
    // address, no dnsmasq, no IPv6 router advertisements (the serving host sends them).
    const serves = config.overlay?.servesDhcp ?? true;

    const dir = networkDir(this.options.runtimeDir, config.name);
    const files = dnsmasqFiles(dir);
    let dnsmasq: RunningDnsmasq | undefined;
    try {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true, mode: 0o755 });
      // Bridge and table first (addon calls, about a millisecond): dnsmasq binds the
      // bridge's addresses when it starts (bind-interfaces, dnsmasq-config.ts).
      createBridge({ name: bridge, mtu, ipv4, ...(ipv6 ? { ipv6 } : {}), addressed: serves });
      if (overlay) createOverlayDevice(bridge, overlay);
      const firewall: FirewallSpec = { table, bridge, mode: config.mode, ipv4, ...(ipv6 ? { ipv6 } : {}), forwards: config.portForwarding };
      applyFirewall(firewall);
      if (needsRouteLocalnet(firewall)) allowLoopbackSources(bridge);
      dnsmasq = await this.startDns(config, bridge, ipv4, serves ? ipv6 : undefined, files, overlay?.mtu);
      await dnsmasq?.untilServing();
      if (config.mode === "shared" && serves) enableForwarding(ipv6 !== undefined);
      if (this.options.ownsNamespace ?? this.options.sandboxed ?? false) keepBridgesOutOfNetfilter();
    } catch (error) {
      await dnsmasq?.stop();
      deleteFirewall(table);
      if (overlay) deleteLink(overlay.device);
      deleteLink(bridge);
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      if (error instanceof CreateFailure) throw error;
      throw new CreateFailure(`network '${config.name}': ${describe(error)}`, { cause: error });
    }

    return this.register(config, {
      info: {
        subnet: ipv4.network,
        mask: ipv4.mask,
        gateway: ipv4.gateway,
        ipv6Prefix: ipv6?.prefix ?? "",
        mtu,
        bridge,
      },
      table,
      dir,
      leaseFile: files.leases,
      ...(dnsmasq ? { dnsmasq } : {}),
      ...(overlay ? { overlayDevice: overlay.device } : {}),
      restartDnsmasq: () => this.startDns(config, bridge, ipv4, serves ? ipv6 : undefined, files, overlay?.mtu),
      record: {
        version: 1,
        name: config.name,
        definition: definitionOf(config),
        ipv4: { network: ipv4.network, prefix: ipv4.prefix },
        bridge,
        table,
        leaseFile: files.leases,
      },
    });
  }
}

/**
 * The Linux backend. Everything it makes lives in the calling process's network
 * namespace (the sandbox's, unless `serve --host`); names are in names.ts.
 * Call reclaimLeftovers() once at start, before creating networks.
 */
export function createLinuxBackend(options: LinuxBackendOptions): Backend {
  return new LinuxBackend(options);
}
