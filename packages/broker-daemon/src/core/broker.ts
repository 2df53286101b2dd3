// SPDX-License-Identifier: Apache-2.0
import { closeSync } from "node:fs";
import {
  type AcquireRequest,
  type Counters,
  ErrorCode,
  EventType,
  type HelloRequest,
  InterfaceKind,
  type Lease,
  LeaseHolder,
  type LeaseRequest,
  type OpenInterfaceRequest,
  Reply,
  type Request,
  type Status,
} from "@vmnet-broker/client/protocol";
import { groupId } from "../config/group-id.js";
import type { LoadedConfig } from "../config/load.js";
import type { AccountDatabase } from "../config/users.js";
import type { Logger } from "../log.js";
import { isAdmin, mayAcquire } from "./access.js";
import {
  AccessDenied,
  type AdoptedNetwork,
  type Backend,
  type BackendNetwork,
  CreateFailure,
  type InterfaceHolder,
  InvalidArgument,
  type LeaseInfo,
  type OpenedInterface,
  Unsupported,
} from "./backend.js";
import { ConnectionLimits } from "./connection-limits.js";
import { describeNetwork } from "./describe-network.js";
import { leaseAudience, networkAudience, ownerAudience } from "./event-audience.js";
import { EventBus } from "./event-bus.js";
import { RequestFailure } from "./failure.js";
import { pickGuestMac } from "./guest-mac.js";
import { hasAttachedInterfaces, persistInterfaces } from "./interface-holds.js";
import { InterfaceLimits } from "./interface-limits.js";
import { type LeaseChange, LeaseTracker } from "./lease-tracker.js";
import { LeaseWaits, MAX_LEASE_WAIT_MS } from "./lease-waits.js";
import { DEFAULT_LIMITS, LIMIT_NAMES, LimitExceeded, type Limits } from "./limits.js";
import type { Outgoing, PeerAcceptor, PeerConnection, PeerCredentials } from "./peer.js";
import { PeerState } from "./peer-state.js";
import { type ManagedNetwork, NetworkRegistry } from "./registry.js";
import { encodeReply, MAX_REPLY_BYTES } from "./reply-size.js";
import { buildStatus, fitStatus } from "./status.js";
import type { StatusViewer } from "./status-scope.js";

export const PROTOCOL_VERSION = 1;
export const DEFAULT_IDLE_DELAY_MS = 120_000;
export const MAX_TAP_QUEUES = 16;
const IFNAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const LEASE_EVENTS: Record<LeaseChange, EventType> = {
  added: EventType.EVENT_TYPE_LEASE_ADDED,
  renewed: EventType.EVENT_TYPE_LEASE_RENEWED,
  expired: EventType.EVENT_TYPE_LEASE_EXPIRED,
};

export interface BrokerOptions {
  readonly backend: Backend;
  readonly config: LoadedConfig;
  readonly accounts: AccountDatabase;
  readonly logger: Logger;
  readonly version: string;
  readonly idleDelayMs?: number;
  /** Limits not given keep their defaults (DEFAULT_LIMITS). */
  readonly limits?: Partial<Limits>;
  /** Members of this group (a name or a gid) see all of status, as root does. */
  readonly adminGroup?: string;
  /** Called whenever the last peer disconnects (for idle exit under a service manager). */
  readonly onNoPeers?: () => void;
  /** Called whenever a peer connects while there were none. */
  readonly onFirstPeer?: () => void;
}

/**
 * The broker's lifecycle in one place: peers connect, acquire networks (created on
 * first use, shared by name, counted per connection) and open interfaces; when a
 * peer goes, its networks are released and its interfaces removed.
 */
export class Broker implements PeerAcceptor {
  readonly #peers = new Map<bigint, PeerState>();
  readonly #registry: NetworkRegistry;
  readonly #counters: Counters = {
    peersConnected: 0n,
    peersDisconnected: 0n,
    requests: 0n,
    errors: 0n,
    acquires: 0n,
    releases: 0n,
    networksCreated: 0n,
    networksRemoved: 0n,
    interfacesOpened: 0n,
  };
  readonly #startedAt = Date.now();
  readonly #limits: Limits;
  readonly #connections: ConnectionLimits;
  readonly #interfaceLimits: InterfaceLimits;
  #config: LoadedConfig;
  #accounts: AccountDatabase;
  #nextPeerId = 1n;
  /** Set by beginShutdown(true): networks with interfaces attached outlive this broker. */
  #keepAttached = false;
  readonly #unwatch: (() => void) | undefined;
  readonly #events = new EventBus();
  /** The leases of each live network, by name. */
  readonly #trackers = new Map<string, LeaseTracker>();
  readonly #leaseWaits = new LeaseWaits();

  constructor(private readonly options: BrokerOptions) {
    this.#config = options.config;
    this.#accounts = options.accounts;
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#connections = new ConnectionLimits(this.#limits);
    this.#interfaceLimits = new InterfaceLimits(this.#limits);
    this.#registry = new NetworkRegistry(options.backend, options.idleDelayMs ?? DEFAULT_IDLE_DELAY_MS, {
      created: (n) => {
        this.#counters.networksCreated++;
        this.#log("info", "network-created", { network: n.config.name, bridge: n.live?.info.bridge, subnet: n.live?.info.subnet });
        this.#networkLive(n);
      },
      removed: (n) => {
        this.#counters.networksRemoved++;
        this.#log("info", "network-removed", { network: n.config.name });
        this.#untrack(n.config.name);
        this.#leaseWaits.networkRemoved(n.config.name);
        this.#events.emit({ type: EventType.EVENT_TYPE_NETWORK_REMOVED, networkName: n.config.name }, networkAudience(n.config));
      },
      left: (n) => {
        this.#untrack(n.config.name);
        this.#log("info", "network-kept", { network: n.config.name, bridge: n.live?.info.bridge, interfaces: n.interfaces.size });
      },
    });
    this.#unwatch = options.backend.watchInterfaces?.((name) => this.#interfaceGone(name));
  }

  /**
   * Takes over networks a previous broker left (Linux). The recorded definition is
   * kept while the network lives, even when the configuration changed since (a
   * warning says so): changing a live network would cut its VMs off; the new
   * definition applies once it has gone idle and is created anew.
   */
  adopt(adopted: readonly AdoptedNetwork[]): void {
    for (const { config: recorded, network: live, interfaces, sameDefinition } of adopted) {
      const current = this.#config.networks.get(recorded.name);
      const config = current !== undefined && sameDefinition(current) ? current : recorded;
      if (current === undefined || config !== current) {
        this.#log("warn", "adopted-config-differs", {
          network: recorded.name,
          hint:
            current === undefined ? "no longer configured" : "configuration changed; the recorded one applies until the network is idle",
        });
      }
      const records = interfaces.map((i) => ({ ...i, holder: "interface" as const, peerId: 0n }));
      const network = this.#registry.adopt(config, live, records);
      void this.#persist(network);
      this.#networkLive(network);
      this.#log("info", "network-adopted", {
        network: recorded.name,
        bridge: live.info.bridge,
        subnet: live.info.subnet,
        interfaces: records.map((r) => r.name).join(","),
      });
    }
  }

  get peerCount(): number {
    return this.#peers.size;
  }

  /** Peers holding at least one network: what stopping the broker would cut off. */
  get holderCount(): number {
    let holders = 0;
    for (const peer of this.#peers.values()) if (peer.networks.size > 0) holders++;
    return holders;
  }

  get networkCount(): number {
    return this.#registry.all().length;
  }

  /**
   * Swaps in a new configuration and account database (users and groups added since
   * start). Live networks keep running as they are; peers connecting from now on get
   * their groups from the new database.
   */
  reload(config: LoadedConfig, accounts: AccountDatabase = this.#accounts): void {
    this.#config = config;
    this.#accounts = accounts;
  }

  /** Throws LimitExceeded when the connection limits refuse the peer (the transport hangs up). */
  connect(credentials: PeerCredentials, transport: "unix" | "xpc", push?: (reply: Reply) => void): PeerConnection {
    this.#connections.admit(credentials.uid);
    const id = this.#nextPeerId++;
    const peer = new PeerState(id, credentials, transport, this.#accounts.groupsOf(credentials.uid, credentials.gid));
    peer.push = push;
    const first = this.#peers.size === 0;
    this.#peers.set(id, peer);
    this.#counters.peersConnected++;
    this.#log("info", "peer-connected", { peer: id, uid: credentials.uid, gid: credentials.gid, pid: credentials.pid, transport });
    this.#events.emit({ type: EventType.EVENT_TYPE_PEER_CONNECTED, peerId: id, uid: credentials.uid }, ownerAudience(credentials.uid));
    if (first) this.options.onFirstPeer?.();
    // One request at a time per peer, whatever the transport does: replies keep the
    // order of requests, and a peer's own acquires never race each other.
    let queue: Promise<unknown> = Promise.resolve();
    return {
      id,
      handle: (request, fds) => {
        const outgoing = queue.then(() => this.#handle(peer, request, fds));
        queue = outgoing.catch(() => undefined);
        return outgoing;
      },
      close: () => this.#disconnect(peer),
    };
  }

  /** Status as viewer may see it; in-process callers (tests, the daemon) see all of it. */
  async status(viewer: StatusViewer = { uid: 0, groups: new Set(), admin: true }): Promise<Status> {
    return buildStatus(
      {
        version: this.options.version,
        platform: this.options.backend.platform,
        startedAt: this.#startedAt,
        networks: this.#registry.all(),
        configured: this.#config.networks,
        peers: [...this.#peers.values()],
        counters: this.#counters,
        configErrors: this.#config.errors,
      },
      viewer,
    );
  }

  #viewer(peer: PeerState): StatusViewer {
    const requester = { uid: peer.credentials.uid, groups: peer.groups };
    // Resolved on every request: a reload may bring the group into existence.
    const adminGid = this.options.adminGroup === undefined ? undefined : groupId(this.options.adminGroup, this.#accounts);
    return { ...requester, peerId: peer.id, admin: isAdmin(requester, adminGid) };
  }

  /**
   * Call before the transport closes its connections. With keepAttached, a peer
   * that goes from now on leaves its interfaces in place (its VMs keep running)
   * and shutdown() leaves networks with attached interfaces for the next broker.
   */
  beginShutdown(keepAttached: boolean): void {
    this.#keepAttached = keepAttached;
  }

  /** Removes every network, except those kept by beginShutdown(true). */
  async shutdown(): Promise<void> {
    this.#unwatch?.();
    const keep = this.#keepAttached;
    await this.#registry.removeAll((network) => keep && hasAttachedInterfaces(network));
  }

  async #handle(peer: PeerState, request: Request, fds: readonly number[]): Promise<Outgoing> {
    const unused = new Set(fds);
    this.#counters.requests++;
    try {
      const { reply, fds: out, serialization, undo } = await this.#dispatch(peer, request, unused);
      // A plain Reply, not Reply.create(), which would deep-copy the result (a whole
      // status, or the network description every acquire shares).
      const plain: Reply = { id: request.id, result: reply };
      // Encoded once: the size check needs the bytes, and the Unix transport sends them.
      const encoded = encodeReply(plain);
      if (encoded.length > MAX_REPLY_BYTES) {
        // A reply that cannot be sent must not leave its request in effect.
        for (const fd of out) closeQuietly(fd);
        await undo?.();
        throw new RequestFailure(
          ErrorCode.ERROR_CODE_INTERNAL_ERROR,
          "the reply would exceed the protocol's size limit; nothing was changed",
        );
      }
      // One literal, one shape: spreading into a new object took V8's slow path (4% of a warm acquire).
      return { reply: plain, fds: out, encoded, serialization };
    } catch (error) {
      this.#counters.errors++;
      const failure = asFailure(error);
      this.#log(failure.code === ErrorCode.ERROR_CODE_INTERNAL_ERROR ? "error" : "info", "request-failed", {
        peer: peer.id,
        command: request.command?.$case ?? "none",
        code: ErrorCode[failure.code],
        message: failure.message,
      });
      return {
        reply: Reply.create({ id: request.id, result: { $case: "error", value: { code: failure.code, message: failure.message } } }),
        fds: [],
      };
    } finally {
      for (const fd of unused) closeQuietly(fd);
    }
  }

  async #dispatch(
    peer: PeerState,
    request: Request,
    fds: Set<number>,
  ): Promise<{ reply: Reply["result"]; fds: readonly number[]; serialization?: unknown; undo?: () => Promise<void> }> {
    const command = request.command;
    if (peer.unsubscribe !== undefined) {
      throw new RequestFailure(
        ErrorCode.ERROR_CODE_INVALID_REQUEST,
        "this connection is an event stream since it subscribed; send requests on another connection",
      );
    }
    if (fds.size > 0 && !(command?.$case === "openInterface" && command.value.kind?.$case === "veth")) {
      throw new RequestFailure(ErrorCode.ERROR_CODE_INVALID_REQUEST, "this request must not carry file descriptors");
    }
    switch (command?.$case) {
      case "hello":
        return { reply: { $case: "hello", value: this.#hello(peer, command.value) }, fds: [] };
      case "acquire": {
        const { network, undo } = await this.#acquire(peer, command.value);
        const reply = {
          reply: { $case: "network" as const, value: describeNetwork(network) },
          fds: [],
          serialization: network.live?.serialization,
        };
        return undo ? { ...reply, undo } : reply;
      }
      case "status":
        return { reply: { $case: "status", value: fitStatus(await this.status(this.#viewer(peer))) }, fds: [] };
      case "openInterface": {
        const opened = await this.#openInterface(peer, command.value, fds);
        return { reply: { $case: "interface", value: opened.reply }, fds: opened.fds, undo: opened.undo };
      }
      case "lease":
        return { reply: { $case: "lease", value: await this.#lease(peer, command.value) }, fds: [] };
      case "subscribe":
        return { reply: { $case: "subscription", value: this.#subscribe(peer, request.id) }, fds: [] };
      default:
        throw new RequestFailure(ErrorCode.ERROR_CODE_INVALID_REQUEST, "missing or unknown command");
    }
  }

  #hello(peer: PeerState, hello: HelloRequest) {
    peer.clientName = hello.clientName.slice(0, 64);
    return {
      protocolVersion: Math.min(Math.max(hello.protocolVersion, 1), PROTOCOL_VERSION),
      brokerVersion: this.options.version,
      platform: this.options.backend.platform,
      features: ["status", ...this.options.backend.features],
    };
  }

  async #acquire(peer: PeerState, request: AcquireRequest): Promise<{ network: ManagedNetwork; undo?: () => Promise<void> }> {
    const name = request.networkName;
    if (name === "") throw new RequestFailure(ErrorCode.ERROR_CODE_INVALID_REQUEST, "network_name is required");
    const config = this.#config.networks.get(name);
    if (!config) {
      const why = this.#config.broken.has(name) ? " (its configuration file has errors; see `vmnet-broker check-config`)" : "";
      throw new RequestFailure(ErrorCode.ERROR_CODE_NOT_FOUND, `no network named ${JSON.stringify(name.slice(0, 64))}${why}`);
    }
    if (!mayAcquire(config, { uid: peer.credentials.uid, groups: peer.groups })) {
      throw new RequestFailure(ErrorCode.ERROR_CODE_NOT_ALLOWED, `uid ${peer.credentials.uid} is not allowed to use network '${name}'`);
    }
    const held = peer.networks.has(name);
    const maxNetworks = this.#limits.maxNetworksPerPeer;
    if (!held && peer.networks.size >= maxNetworks) {
      throw new LimitExceeded(LIMIT_NAMES.maxNetworksPerPeer, maxNetworks, "this connection", `it holds ${[...peer.networks].join(", ")}`);
    }
    const network = await this.#registry.acquire(config, peer.id);
    if (peer.closed) {
      // The peer left while the network was being created: give it straight back.
      this.#registry.release(name, peer.id);
      throw new RequestFailure(ErrorCode.ERROR_CODE_TRANSPORT_FAILURE, "peer disconnected");
    }
    peer.networks.add(name);
    this.#counters.acquires++;
    this.#log("info", "acquire", {
      peer: peer.id,
      uid: peer.credentials.uid,
      network: name,
      refs: network.holders.size,
      again: held || undefined,
    });
    return held ? { network } : { network, undo: async () => this.#undoAcquire(peer, name) };
  }

  /**
   * The guest's lease, waiting up to wait_ms for it (the network need not be
   * live yet). The peer must be allowed to acquire the network; it need not hold it.
   */
  async #lease(peer: PeerState, request: LeaseRequest): Promise<Lease> {
    const name = request.networkName;
    const mac = request.mac.toLowerCase();
    if (!MAC.test(mac)) {
      throw new RequestFailure(
        ErrorCode.ERROR_CODE_INVALID_REQUEST,
        `mac ${JSON.stringify(request.mac.slice(0, 32))} is not a MAC address`,
      );
    }
    const config = this.#config.networks.get(name);
    if (!config) throw new RequestFailure(ErrorCode.ERROR_CODE_NOT_FOUND, `no network named ${JSON.stringify(name.slice(0, 64))}`);
    const viewer = this.#viewer(peer);
    if (!viewer.admin && !mayAcquire(config, viewer)) {
      throw new RequestFailure(ErrorCode.ERROR_CODE_NOT_ALLOWED, `uid ${peer.credentials.uid} is not allowed to use network '${name}'`);
    }
    const waitMs = Math.min(request.waitMs, MAX_LEASE_WAIT_MS);
    const known = this.#trackers.get(name)?.lease(mac);
    const outcome =
      known !== undefined || waitMs === 0 ? { lease: known } : await this.#leaseWaits.wait(name, mac, waitMs, peer.gone.signal);
    if (peer.closed) throw new RequestFailure(ErrorCode.ERROR_CODE_TRANSPORT_FAILURE, "peer disconnected");
    if ("ended" in outcome && outcome.ended === "network-removed") {
      throw new RequestFailure(ErrorCode.ERROR_CODE_NOT_FOUND, `network '${name}' was removed while waiting for the lease of ${mac}`);
    }
    const lease = "lease" in outcome ? outcome.lease : undefined;
    if (lease === undefined) {
      throw new RequestFailure(ErrorCode.ERROR_CODE_NOT_FOUND, `no lease for ${mac} on network '${name}' after ${waitMs} ms`);
    }
    // Host names are shown as status shows them: to admins and to the MAC's owners.
    const network = this.#registry.get(name);
    const owner = viewer.admin || (network !== undefined && leaseAudience(network, mac)(viewer));
    const ipv6 = (await network?.live?.ipv6Of?.(mac)) ?? [];
    return leaseMessage(name, owner ? lease : { ...lease, hostname: "" }, ipv6);
  }

  /** Turns the connection into an event stream of what this peer may see. */
  #subscribe(peer: PeerState, id: number) {
    const push = peer.push;
    if (push === undefined) {
      throw new RequestFailure(ErrorCode.ERROR_CODE_UNSUPPORTED, `event subscriptions are not supported over ${peer.transport}`);
    }
    const nextSequence = this.#events.nextSequence;
    peer.unsubscribe = this.#events.subscribe({
      viewer: this.#viewer(peer),
      deliver: (event) => push(Reply.create({ id, result: { $case: "event", value: event } })),
    });
    this.#log("info", "subscribed", { peer: peer.id, next_sequence: nextSequence });
    return { nextSequence };
  }

  /** A network became live (created or adopted): announce it and follow its leases. */
  #networkLive(network: ManagedNetwork): void {
    const name = network.config.name;
    this.#events.emit({ type: EventType.EVENT_TYPE_NETWORK_CREATED, networkName: name }, networkAudience(network.config));
    const live = network.live;
    if (live === undefined) return;
    const tracker = new LeaseTracker(live, (change, lease) => this.#leaseChanged(network, change, lease));
    this.#trackers.set(name, tracker);
    void tracker.start().then(() => {
      // Requests that waited for the network may find their lease there already.
      for (const lease of tracker.leases()) this.#leaseWaits.notify(name, lease);
    });
  }

  #untrack(name: string): void {
    this.#trackers.get(name)?.stop();
    this.#trackers.delete(name);
  }

  #leaseChanged(network: ManagedNetwork, change: LeaseChange, lease: LeaseInfo): void {
    const name = network.config.name;
    this.#log("info", `lease-${change}`, { network: name, mac: lease.mac, ip: lease.ip });
    if (change !== "expired") this.#leaseWaits.notify(name, lease);
    this.#events.emit(
      { type: LEASE_EVENTS[change], networkName: name, lease: leaseMessage(name, lease) },
      leaseAudience(network, lease.mac),
    );
  }

  #interfaceEvent(type: EventType, network: string, record: { name: string; peerId: bigint; ownerUid: number }): void {
    this.#events.emit(
      { type, networkName: network, interfaceName: record.name, peerId: record.peerId, uid: record.ownerUid },
      ownerAudience(record.ownerUid),
    );
  }

  #undoAcquire(peer: PeerState, name: string): void {
    if (!peer.networks.delete(name)) return;
    this.#registry.release(name, peer.id);
    this.#counters.acquires--;
    this.#log("info", "acquire-undone", { peer: peer.id, network: name });
  }

  async #openInterface(peer: PeerState, request: OpenInterfaceRequest, fds: Set<number>) {
    const name = request.networkName;
    const network = this.#registry.get(name);
    if (!peer.networks.has(name) || !network?.live) {
      throw new RequestFailure(
        ErrorCode.ERROR_CODE_NOT_ALLOWED,
        `acquire network '${name.slice(0, 64)}' on this connection before opening an interface on it`,
      );
    }
    const live = network.live;
    const release = this.#interfaceLimits.reserve(this.#registry.all(), network, peer.id, peer.credentials.uid);
    try {
      return await this.#createInterface(peer, network, live, request, fds);
    } finally {
      release();
    }
  }

  async #createInterface(peer: PeerState, network: ManagedNetwork, live: BackendNetwork, request: OpenInterfaceRequest, fds: Set<number>) {
    const name = request.networkName;
    const holder = holderOf(request.kind?.value.holder ?? LeaseHolder.LEASE_HOLDER_UNSPECIFIED);
    let opened: OpenedInterface;
    let kind: "tap" | "veth";
    let named = false;
    const requested = request.kind;
    if (requested?.$case === "tap") {
      if (!live.openTap)
        throw new RequestFailure(ErrorCode.ERROR_CODE_UNSUPPORTED, `TAP interfaces are not supported on ${this.options.backend.platform}`);
      const queues = requested.value.queues || 1;
      if (queues > MAX_TAP_QUEUES) throw new RequestFailure(ErrorCode.ERROR_CODE_INVALID_REQUEST, `queues must be 1..${MAX_TAP_QUEUES}`);
      named = requested.value.named;
      // A persistent device never goes away by itself: only a connection can hold it.
      if (named && holder === "interface")
        throw new RequestFailure(
          ErrorCode.ERROR_CODE_INVALID_REQUEST,
          "a named TAP is held by its connection; holder=interface is refused",
        );
      kind = "tap";
      const { vnetHeader, vhostNet } = requested.value;
      opened = await creating(() =>
        live.openTap!({ vnetHeader, queues, ownerUid: peer.credentials.uid, ownerGid: peer.credentials.gid, named, vhostNet }),
      );
    } else if (requested?.$case === "veth") {
      if (!live.openVeth)
        throw new RequestFailure(ErrorCode.ERROR_CODE_UNSUPPORTED, `veth interfaces are not supported on ${this.options.backend.platform}`);
      const ifname = requested.value.ifname || "eth0";
      if (!IFNAME.test(ifname))
        throw new RequestFailure(
          ErrorCode.ERROR_CODE_INVALID_REQUEST,
          `ifname ${JSON.stringify(ifname.slice(0, 32))} is not a valid interface name`,
        );
      if (fds.size !== 1)
        throw new RequestFailure(
          ErrorCode.ERROR_CODE_INVALID_REQUEST,
          `a veth request carries exactly one network namespace fd, not ${fds.size}`,
        );
      kind = "veth";
      const [netnsFd] = [...fds] as [number];
      opened = await creating(() => live.openVeth!({ netnsFd, ifname, peerUid: peer.credentials.uid }));
    } else {
      throw new RequestFailure(ErrorCode.ERROR_CODE_INVALID_REQUEST, "open_interface needs tap or veth");
    }
    const guestMac = kind === "tap" ? await this.#guestMac(network, peer.credentials.uid) : "";
    const vhostFds = opened.vhostFds ?? [];
    if (peer.closed || this.#registry.get(name) !== network) {
      for (const fd of [...opened.fds, ...vhostFds]) closeQuietly(fd);
      await live.removeInterface(opened.name);
      throw new RequestFailure(ErrorCode.ERROR_CODE_TRANSPORT_FAILURE, "peer disconnected");
    }
    network.interfaces.set(opened.name, {
      name: opened.name,
      kind,
      peerId: peer.id,
      holder,
      ownerUid: peer.credentials.uid,
      guestMac,
      mac: opened.mac,
      ...(named ? { named } : {}),
    });
    // Recorded before the reply: an interface a client may hold is always in the record.
    await this.#persist(network);
    // The link may have gone before it was recorded (a veth's namespace exited):
    // its deletion event then found nothing to drop.
    if (!live.interfaceExists(opened.name)) this.#interfaceGone(opened.name);
    this.#counters.interfacesOpened++;
    this.#interfaceEvent(EventType.EVENT_TYPE_INTERFACE_OPENED, name, {
      name: opened.name,
      peerId: peer.id,
      ownerUid: peer.credentials.uid,
    });
    this.#log("info", "interface-opened", {
      peer: peer.id,
      network: name,
      kind,
      interface: opened.name,
      fds: opened.fds.length,
      vhost_fds: vhostFds.length || undefined,
      named: named || undefined,
      holder,
      guest_mac: guestMac || undefined,
    });
    const undo = async () => {
      network.interfaces.delete(opened.name);
      this.#counters.interfacesOpened--;
      await live.removeInterface(opened.name);
      await this.#persist(network);
      this.#interfaceEvent(EventType.EVENT_TYPE_INTERFACE_REMOVED, name, {
        name: opened.name,
        peerId: peer.id,
        ownerUid: peer.credentials.uid,
      });
      this.#log("info", "interface-undone", { peer: peer.id, network: name, interface: opened.name });
    };
    return {
      undo,
      reply: {
        networkName: name,
        kind: kind === "tap" ? InterfaceKind.INTERFACE_KIND_TAP : InterfaceKind.INTERFACE_KIND_VETH,
        name: opened.name,
        fdCount: opened.fds.length,
        peerIfname: opened.peerIfname,
        mac: opened.mac,
        guestMac,
        holder: holder === "interface" ? LeaseHolder.LEASE_HOLDER_INTERFACE : LeaseHolder.LEASE_HOLDER_CONNECTION,
        vhostFdCount: vhostFds.length,
      },
      // TAP queues first, then the vhost-net fds (Interface.vhost_fd_count).
      fds: [...opened.fds, ...vhostFds],
    };
  }

  /**
   * The user's DHCP reservation on this network when it has one that no live
   * interface uses (so the user's VM keeps its address); otherwise a fresh MAC,
   * unique among the network's interfaces and its DHCP leases.
   */
  async #guestMac(network: ManagedNetwork, uid: number): Promise<string> {
    const inUse = new Set([...network.interfaces.values()].map((record) => record.guestMac));
    const reserved = network.config.dhcpReservations.find((r) => r.uid === uid && !inUse.has(r.mac));
    if (reserved !== undefined) return reserved.mac;
    const leases = (await network.live?.leases().catch(() => [])) ?? [];
    return pickGuestMac(new Set([...inUse, ...leases.map((l) => l.mac)]));
  }

  /** A link was deleted: drop the interface (and its reference) wherever it was. */
  #interfaceGone(name: string): void {
    for (const network of this.#registry.all()) {
      const record = network.interfaces.get(name);
      if (record === undefined) continue;
      network.interfaces.delete(name);
      this.#log("info", "interface-gone", { network: network.config.name, interface: name, holder: record.holder });
      this.#interfaceEvent(EventType.EVENT_TYPE_INTERFACE_REMOVED, network.config.name, record);
      void this.#persist(network);
      this.#registry.settle(network);
    }
  }

  async #persist(network: ManagedNetwork): Promise<void> {
    try {
      await persistInterfaces(network);
    } catch (error) {
      this.#log("error", "record-failed", {
        network: network.config.name,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }

  #disconnect(peer: PeerState): void {
    if (peer.closed) return;
    peer.closed = true;
    peer.gone.abort();
    peer.unsubscribe?.();
    this.#connections.release(peer.credentials.uid);
    this.#peers.delete(peer.id);
    this.#counters.peersDisconnected++;
    for (const name of peer.networks) {
      const network = this.#registry.get(name);
      // Interface-held interfaces stay; so does everything while stopping with
      // networks kept, for the next broker to adopt.
      if (network !== undefined && !this.#keepAttached) {
        let changed = false;
        for (const record of network.interfaces.values()) {
          if (record.peerId !== peer.id || record.holder !== "connection") continue;
          network.interfaces.delete(record.name);
          void network.live?.removeInterface(record.name);
          this.#interfaceEvent(EventType.EVENT_TYPE_INTERFACE_REMOVED, name, record);
          changed = true;
        }
        if (changed) void this.#persist(network);
      }
      this.#registry.release(name, peer.id);
      this.#counters.releases++;
      this.#log("info", "release", { peer: peer.id, network: name, refs: network?.holders.size ?? 0 });
    }
    this.#log("info", "peer-disconnected", { peer: peer.id, networks: peer.networks.size });
    const { uid } = peer.credentials;
    this.#events.emit({ type: EventType.EVENT_TYPE_PEER_GONE, peerId: peer.id, uid }, ownerAudience(uid));
    if (this.#peers.size === 0) this.options.onNoPeers?.();
  }

  #log(level: "debug" | "info" | "warn" | "error", event: string, fields: Record<string, string | number | bigint | boolean | undefined>) {
    this.options.logger.log(level, event, fields);
  }
}

function leaseMessage(network: string, lease: LeaseInfo, ipv6: readonly string[] = []): Lease {
  return { ...lease, expiresUnix: BigInt(lease.expiresUnix), ipv6: [...ipv6], networkName: network };
}

function holderOf(holder: LeaseHolder): InterfaceHolder {
  switch (holder) {
    case LeaseHolder.LEASE_HOLDER_UNSPECIFIED:
    case LeaseHolder.LEASE_HOLDER_CONNECTION:
      return "connection";
    case LeaseHolder.LEASE_HOLDER_INTERFACE:
      return "interface";
    default:
      throw new RequestFailure(ErrorCode.ERROR_CODE_INVALID_REQUEST, `unknown holder ${Number(holder)}`);
  }
}

async function creating<T>(create: () => Promise<T>): Promise<T> {
  try {
    return await create();
  } catch (error) {
    throw asFailure(error);
  }
}

function asFailure(error: unknown): RequestFailure {
  if (error instanceof RequestFailure) return error;
  if (error instanceof CreateFailure) return new RequestFailure(ErrorCode.ERROR_CODE_CREATE_FAILURE, error.message);
  if (error instanceof AccessDenied) return new RequestFailure(ErrorCode.ERROR_CODE_NOT_ALLOWED, error.message);
  if (error instanceof InvalidArgument) return new RequestFailure(ErrorCode.ERROR_CODE_INVALID_REQUEST, error.message);
  if (error instanceof Unsupported) return new RequestFailure(ErrorCode.ERROR_CODE_UNSUPPORTED, error.message);
  return new RequestFailure(ErrorCode.ERROR_CODE_INTERNAL_ERROR, error instanceof Error ? error.message : String(error));
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed: nothing to release.
  }
}
