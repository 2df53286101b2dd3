// SPDX-License-Identifier: Apache-2.0
import { defaultSocketPath } from "./default-socket-path.js";
import { BrokerError, ErrorCode } from "./errors.js";
import { EventStream } from "./event-stream.js";
import {
  type LeaseHolder,
  type Reply,
  type Request,
  TapOptions as TapOptionsMessage,
  VethOptions as VethOptionsMessage,
} from "./gen/vmnet_broker/v1/broker.js";
import { holderFromMessage, holderToMessage, type InterfaceHolder } from "./interface-holder.js";
import { type GuestLease, leaseFromMessage, MAX_LEASE_WAIT_MS } from "./lease.js";
import { nativeAddon } from "./native/load-native-addon.js";
import { type BrokerStatus, type Network, networkFromMessage } from "./network.js";
import { type ReceivedReply, RequestPipeline } from "./request-pipeline.js";
import { connectUnix } from "./socket/connect.js";
import { closeAll } from "./socket/framed-endpoint.js";

/** The protocol version this client speaks (protocol/README.md). */
export const PROTOCOL_VERSION = 1;
/** The name this library gives itself in its hello (status shows it as CLIENT). */
export const CLIENT_NAME = "@vmnet-broker/client";
const CLIENT_VERSION = "0.1.0";

export interface ConnectOptions {
  /** The broker's socket; default VMNET_BROKER_SOCKET, else /run/vmnet-broker/broker.sock. */
  readonly socketPath?: string;
  /** Sent in the hello at connect, for the broker's status and logs: default "@vmnet-broker/client". */
  readonly clientName?: string;
  /** Sent with clientName: default this library's version. */
  readonly clientVersion?: string;
}

/** Options every call accepts. */
export interface CallOptions {
  /**
   * Gives up waiting: the call rejects with signal.reason. The request may
   * still take effect in the broker (a network acquired this way is held by
   * the connection like any other); the late reply is dropped.
   */
  readonly signal?: AbortSignal;
}

export interface HelloInfo {
  /** The version both sides use: the lower of the two. */
  readonly protocolVersion: number;
  readonly brokerVersion: string;
  /** "linux" or "darwin". */
  readonly platform: string;
  /** Optional capabilities, for example "tap", "veth", "status". */
  readonly features: readonly string[];
}

/** Options of every interface request. */
export interface InterfaceOptions extends CallOptions {
  /**
   * What holds the interface and its reference on the network: "connection"
   * (default: closing this client removes it) or "interface" (it lives until
   * its last fd closes / its namespace goes, even after this client closes).
   */
  readonly holder?: InterfaceHolder;
}

export interface TapOptions extends InterfaceOptions {
  /** IFF_VNET_HDR: a virtio-net header on every frame (QEMU vnet_hdr=on). Default false. */
  readonly vnetHeader?: boolean;
  /** Queues (IFF_MULTI_QUEUE above 1); one fd per queue. Default 1. */
  readonly queues?: number;
  /**
   * A persistent TAP that a VMM opens by name (Firecracker, cloud-hypervisor,
   * crosvm), owned by this process's user: no fd comes back, and it is removed
   * when this connection closes (holder "interface" is refused). Default false.
   */
  readonly named?: boolean;
  /**
   * Also one open /dev/vhost-net fd per queue (vhostFds), for a VMM whose user
   * cannot open the device (QEMU vhost=on,vhostfd=N). UNSUPPORTED on a host
   * without /dev/vhost-net. Default false.
   */
  readonly vhostNet?: boolean;
}

/** A TAP device on a network. The caller owns `fds` and must close them. */
export interface TapInterface {
  /** The TAP device's name on the host. */
  readonly name: string;
  /** One open fd per queue (for QEMU: -netdev tap,fd=N); empty for a named TAP. */
  readonly fds: number[];
  /** With vhostNet: one /dev/vhost-net fd per queue (QEMU vhostfd=N); else empty. */
  readonly vhostFds: number[];
  /** The TAP device's own hardware address, lower case, colon separated. */
  readonly mac: string;
  /**
   * A unique MAC the broker picked for the guest behind the TAP (for QEMU:
   * -device virtio-net-pci,mac=...), so that VMs do not share a default MAC.
   */
  readonly guestMac: string;
  /** What holds the TAP and its reference on the network. */
  readonly holder: InterfaceHolder;
}

/** A veth pair: one end on the network's bridge, the other in the client's namespace. */
export interface VethInterface {
  /** The bridge-side name on the host. */
  readonly name: string;
  /** The name inside the namespace. */
  readonly peerIfname: string;
  /** The namespace end's hardware address. */
  readonly mac: string;
  /** What holds the pair and its reference on the network. */
  readonly holder: InterfaceHolder;
}

export interface WaitForLeaseOptions extends CallOptions {
  /**
   * How long the broker waits for the guest's lease, in milliseconds; 0 (the
   * default) answers at once. Capped at MAX_LEASE_WAIT_MS (10 minutes).
   */
  readonly timeoutMs?: number;
}

type ReplyResult = NonNullable<Reply["result"]>;
type ResultValue<K extends ReplyResult["$case"]> = Extract<ReplyResult, { $case: K }>["value"];

/**
 * One connection to vmnet-broker. **The connection is the lease**: every
 * network acquired and every interface opened through it stays alive exactly
 * as long as the connection does. close() (or the process exiting, even by
 * kill -9) releases them all; there is no separate release call.
 *
 * Calls may be issued concurrently (they are pipelined). Every failure rejects
 * with a BrokerError; if the broker goes away, every pending and later call
 * rejects with TRANSPORT_FAILURE.
 */
export class BrokerClient {
  readonly socketPath: string;
  readonly #pipeline: RequestPipeline;
  readonly #hello: NonNullable<Request["command"]>;

  private constructor(socketPath: string, pipeline: RequestPipeline, options: ConnectOptions) {
    this.socketPath = socketPath;
    this.#pipeline = pipeline;
    this.#hello = {
      $case: "hello",
      value: {
        protocolVersion: PROTOCOL_VERSION,
        clientName: options.clientName ?? CLIENT_NAME,
        clientVersion: options.clientVersion ?? CLIENT_VERSION,
      },
    };
  }

  /** Connects to the broker. Rejects with TRANSPORT_FAILURE if nothing answers there. */
  static async connect(options: ConnectOptions = {}): Promise<BrokerClient> {
    const socketPath = options.socketPath ?? defaultSocketPath();
    // A missing addon is an installation fault, not a transport failure: its own error says what to do.
    nativeAddon();
    let fd: number;
    try {
      fd = connectUnix(socketPath);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new BrokerError(
        ErrorCode.ERROR_CODE_TRANSPORT_FAILURE,
        `cannot connect to the broker at ${socketPath}: ${detail}`,
        { cause: error },
      );
    }
    const client = new BrokerClient(socketPath, new RequestPipeline(fd), options);
    // Say who we are, so that status names this client. Sent ahead of the first
    // call and never awaited: no round trip, and requests still pipeline. A
    // broker that refuses it (or is gone) fails only this unawaited call.
    client.#pipeline.call(client.#hello, [], undefined).then(
      ({ fds }) => closeAll(fds),
      () => {},
    );
    return client;
  }

  /** Exchanges versions and features (connect already sent the client's name). */
  async hello(options: CallOptions = {}): Promise<HelloInfo> {
    const hello = await this.#request("hello", this.#hello, options);
    return {
      protocolVersion: hello.protocolVersion,
      brokerVersion: hello.brokerVersion,
      platform: hello.platform,
      features: hello.features,
    };
  }

  /**
   * Acquires a network by name ("shared", "host", or a configured one), creating
   * it if needed. It is held until this connection closes.
   */
  async acquireNetwork(name: string, options: CallOptions = {}): Promise<Network> {
    const network = await this.#request(
      "network",
      { $case: "acquire", value: { networkName: name } },
      options,
    );
    return networkFromMessage(network);
  }

  /**
   * Opens a TAP device on a network this connection acquired. The returned fds
   * belong to the caller (close them when done). The device goes away when its
   * last fd closes or, with the default holder "connection", when this
   * connection closes; with holder "interface" it outlives the connection and
   * holds the network until its last fd closes.
   */
  async openTap(network: Network | string, options: TapOptions = {}): Promise<TapInterface> {
    const queues = options.queues ?? 1;
    if (!Number.isInteger(queues) || queues < 1) {
      throw new BrokerError(
        ErrorCode.ERROR_CODE_INVALID_REQUEST,
        `queues must be an integer >= 1, got ${queues}`,
      );
    }
    const holder = options.holder ?? "connection";
    const { value, fds } = await this.#requestWithFds(
      "interface",
      {
        $case: "openInterface",
        value: {
          networkName: networkName(network),
          kind: {
            $case: "tap",
            value: TapOptionsMessage.fromPartial({
              vnetHeader: options.vnetHeader ?? false,
              queues,
              holder: holderToMessage(holder),
              named: options.named ?? false,
              vhostNet: options.vhostNet ?? false,
            }),
          },
        },
      },
      options,
    );
    checkHolder(holder, value.holder, fds);
    // A broker older than these options ignores them: say so rather than
    // hand back something else than asked.
    if (
      (options.named ?? false) !== (value.fdCount === 0) ||
      (options.vhostNet ?? false) !== value.vhostFdCount > 0
    ) {
      closeAll(fds);
      throw new BrokerError(
        ErrorCode.ERROR_CODE_UNSUPPORTED,
        "the broker ignored the named or vhostNet option (it predates them)",
      );
    }
    return {
      name: value.name,
      fds: fds.slice(0, value.fdCount),
      vhostFds: fds.slice(value.fdCount),
      mac: value.mac,
      guestMac: value.guestMac,
      holder,
    };
  }

  /**
   * Creates a veth pair on a network this connection acquired and moves one end
   * into the network namespace behind netnsFd (for example an open
   * /proc/self/ns/net or /run/netns/NAME). The caller keeps netnsFd. With
   * holder "interface" the pair outlives this connection and holds the network
   * until the namespace goes.
   */
  async openVeth(
    network: Network | string,
    netnsFd: number,
    ifname = "",
    options: InterfaceOptions = {},
  ): Promise<VethInterface> {
    if (!Number.isInteger(netnsFd) || netnsFd < 0) {
      throw new BrokerError(
        ErrorCode.ERROR_CODE_INVALID_REQUEST,
        `netnsFd must be an open fd, got ${netnsFd}`,
      );
    }
    const holder = options.holder ?? "connection";
    const { value, fds } = await this.#requestWithFds(
      "interface",
      {
        $case: "openInterface",
        value: {
          networkName: networkName(network),
          kind: {
            $case: "veth",
            value: VethOptionsMessage.fromPartial({ ifname, holder: holderToMessage(holder) }),
          },
        },
      },
      options,
      [netnsFd],
    );
    closeAll(fds);
    checkHolder(holder, value.holder, []);
    return { name: value.name, peerIfname: value.peerIfname, mac: value.mac, holder };
  }

  /** The broker's whole state: networks, peers, leases, counters. */
  async status(options: CallOptions = {}): Promise<BrokerStatus> {
    return this.#request("status", { $case: "status", value: {} }, options);
  }

  /**
   * The DHCP lease of the guest with this MAC on a network this user may
   * acquire (it need not be held), waiting up to timeoutMs for the guest to
   * take one. Rejects with NOT_FOUND when there is none by then. The broker
   * answers a connection's requests one at a time: later calls on this client
   * wait until this one is answered (use a second client to do both).
   */
  async waitForLease(
    network: Network | string,
    mac: string,
    options: WaitForLeaseOptions = {},
  ): Promise<GuestLease> {
    const timeoutMs = options.timeoutMs ?? 0;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 0) {
      throw new BrokerError(
        ErrorCode.ERROR_CODE_INVALID_REQUEST,
        `timeoutMs must be an integer >= 0, got ${timeoutMs}`,
      );
    }
    const lease = await this.#request(
      "lease",
      {
        $case: "lease",
        value: { networkName: networkName(network), mac, waitMs: Math.min(timeoutMs, MAX_LEASE_WAIT_MS) },
      },
      options,
    );
    return leaseFromMessage(lease);
  }

  /**
   * The broker's events (networks, interfaces, leases, peers) as far as this
   * user may see them, on a connection of their own (this client stays usable):
   * `for await (const event of await client.events()) ...`. Breaking out of
   * the loop closes that connection, which ends the subscription.
   */
  events(): Promise<EventStream> {
    return EventStream.open(this.socketPath);
  }

  /** True once the connection is closed or broken (its lease is released). */
  get isClosed(): boolean {
    return this.#pipeline.failure !== undefined;
  }

  /** Resolves when the connection has ended, whoever ended it. */
  get closed(): Promise<void> {
    return this.#pipeline.closed;
  }

  /**
   * Closes the connection, which releases every network and interface it holds.
   * Pending calls reject with TRANSPORT_FAILURE. Resolves once the socket is closed.
   */
  close(): Promise<void> {
    return this.#pipeline.close();
  }

  async #request<K extends ReplyResult["$case"]>(
    expected: K,
    command: NonNullable<Request["command"]>,
    options: CallOptions,
  ): Promise<ResultValue<K>> {
    const { value, fds } = await this.#requestWithFds(expected, command, options);
    closeAll(fds);
    return value;
  }

  async #requestWithFds<K extends ReplyResult["$case"]>(
    expected: K,
    command: NonNullable<Request["command"]>,
    options: CallOptions,
    sendFds: readonly number[] = [],
  ): Promise<{ value: ResultValue<K>; fds: number[] }> {
    const received = await this.#pipeline.call(command, sendFds, options.signal);
    return unpackReply(received, expected);
  }
}

/** Checks the reply's kind and its fd count; closes the fds on any mismatch. */
function unpackReply<K extends ReplyResult["$case"]>(
  { reply, fds }: ReceivedReply,
  expected: K,
): { value: ResultValue<K>; fds: number[] } {
  const result = reply.result;
  const fail = (code: ErrorCode, message: string): never => {
    closeAll(fds);
    throw new BrokerError(code, message);
  };
  if (result === undefined) return fail(ErrorCode.ERROR_CODE_INVALID_REPLY, "the reply carries no result");
  if (result.$case === "error") {
    const code =
      result.value.code === ErrorCode.ERROR_CODE_SUCCESS
        ? ErrorCode.ERROR_CODE_INVALID_REPLY
        : result.value.code;
    return fail(code, result.value.message || "the broker reported an error without a message");
  }
  if (result.$case !== expected) {
    return fail(ErrorCode.ERROR_CODE_INVALID_REPLY, `expected a ${expected} reply, got ${result.$case}`);
  }
  const expectedFds = result.$case === "interface" ? result.value.fdCount + result.value.vhostFdCount : 0;
  if (fds.length !== expectedFds) {
    return fail(
      ErrorCode.ERROR_CODE_INVALID_REPLY,
      `the reply declares ${expectedFds} file descriptor(s) but ${fds.length} arrived`,
    );
  }
  return { value: result.value as ResultValue<K>, fds };
}

/**
 * A broker that ignores the holder it was asked for (one older than the
 * option) answers "connection": the interface would vanish with this
 * connection, which a caller asking for "interface" cannot use.
 */
function checkHolder(asked: InterfaceHolder, answered: LeaseHolder, fds: number[]): void {
  const got = holderFromMessage(answered);
  if (got === asked) return;
  closeAll(fds);
  throw new BrokerError(
    ErrorCode.ERROR_CODE_UNSUPPORTED,
    `asked for holder=${asked}, but the broker answered holder=${got} (it predates the holder option)`,
  );
}

function networkName(network: Network | string): string {
  return typeof network === "string" ? network : network.name;
}
