// SPDX-License-Identifier: Apache-2.0
/**
 * The typed macOS surface of the daemon's addon (native/src/darwin). Arguments
 * are validated natively (TypeError with a usage string).
 */
import { createRequire } from "node:module";
import type { AccountsNative } from "../../config/accounts-native.js";
import { PACKAGE_DIR } from "../../package-root.js";
import type { XpcDictionary, XpcValue } from "./xpc-value.js";

/** One event from the XPC listener's private dispatch queue. */
export type XpcEvent =
  | { readonly type: "connect"; readonly peer: number; readonly euid: number; readonly egid: number; readonly pid: number }
  /** reply is null when the sender expects no reply. */
  | { readonly type: "message"; readonly peer: number; readonly message: XpcValue; readonly reply: XpcReplyHandle | null }
  /** XPC_ERROR_CONNECTION_INVALID: the peer closed, exited or died. */
  | { readonly type: "disconnect"; readonly peer: number }
  | { readonly type: "error"; readonly peer: number; readonly message: string };

/** Opaque: answers one message, once. */
export interface XpcReplyHandle {
  readonly __xpcReply: unique symbol;
}

export interface XpcListener {
  /** Stops accepting, cancels every peer connection; later events are dropped. */
  close(): void;
  /**
   * Sends a message nobody asked for (an event of a subscription) on the peer's
   * connection. bytes is what the message counts for; returns the bytes of such
   * messages XPC has not yet handed to the peer (this one included; a send
   * barrier counts each down), or 0 when the peer is gone.
   */
  push(peer: number, body: XpcDictionary, bytes: number): number;
  /** Cancels one peer's connection; its disconnect event follows. */
  dropPeer(peer: number): void;
}

export interface XpcNative {
  /** Listens on the Mach service (XPC_CONNECTION_MACH_SERVICE_LISTENER). */
  xpcListen(serviceName: string, onEvent: (event: XpcEvent) => void): XpcListener;
  /** Fills the reply made by xpc_dictionary_create_reply and sends it. */
  xpcReply(reply: XpcReplyHandle, body: XpcDictionary): void;
}

/** A message the broker sent a session unasked, or the end of its connection. */
export type XpcIncoming = { readonly type: "message"; readonly message: XpcValue } | { readonly type: "error"; readonly message: string };

/** Opaque: one open connection to the Mach service. */
export interface XpcSessionHandle {
  readonly __xpcSession: unique symbol;
}

/** The CLI's side of the Mach service (`vmnet-broker status` and `acquire` on macOS). */
export interface XpcClientNative {
  /** Connects, sends, waits for the reply off the JS thread; rejects on XPC errors. */
  xpcSendRequest(serviceName: string, message: XpcDictionary): Promise<XpcValue>;
  /**
   * A connection kept open until xpcClose: the broker's lease lasts as long. With
   * onIncoming, what the broker sends unasked (subscription events) and the
   * connection's end arrive there, and the process stays up until xpcClose.
   */
  xpcOpen(serviceName: string, onIncoming?: (incoming: XpcIncoming) => void): XpcSessionHandle;
  /** Sends on the session and waits for the reply off the JS thread. */
  xpcSend(session: XpcSessionHandle, message: XpcDictionary): Promise<XpcValue>;
  /** Cancels the connection, releasing what was acquired on it. Idempotent. */
  xpcClose(session: XpcSessionHandle): void;
}

/** What vmnetCreateNetwork takes: NetworkConfig translated for vmnet. */
export interface VmnetCreateOptions {
  readonly mode: "shared" | "host";
  /** The subnet's first usable address (.1): vmnet wants the gateway, not the network address. */
  readonly subnetGateway?: string;
  readonly subnetMask?: string;
  readonly ipv6Prefix?: string;
  readonly ipv6PrefixLength?: number;
  /** Absent: vmnet's default (1500), without a set_mtu call. */
  readonly mtu?: number;
  /** false turns the feature off; true leaves vmnet's default (on) alone. */
  readonly nat44: boolean;
  readonly nat66: boolean;
  readonly dhcp: boolean;
  readonly dnsProxy: boolean;
  readonly routerAdvertisement: boolean;
  readonly externalInterface?: string;
  /** Ports in host byte order, as vmnet expects; IPv4 guests only. */
  readonly portForwarding: ReadonlyArray<{
    readonly protocol: "tcp" | "udp";
    readonly externalPort: number;
    readonly internalAddress: string;
    readonly internalPort: number;
  }>;
  readonly dhcpReservations: ReadonlyArray<{ readonly mac: string; readonly ip: string }>;
}

/** Opaque handles owned by the addon. */
export interface VmnetNetworkHandle {
  readonly __vmnetNetwork: unique symbol;
}

export interface VmnetCreated {
  readonly network: VmnetNetworkHandle;
  /** vmnet_network_copy_serialization's XPC dictionary, for replies. */
  readonly serialization: unknown;
  /** What vmnet chose or confirmed (vmnet_network_get_ipv4_subnet / _ipv6_prefix). */
  readonly subnet: string;
  readonly mask: string;
  readonly ipv6Prefix: string;
  readonly ipv6PrefixLength: number;
}

/** Rejections of vmnetCreateNetwork carry the failing call and vmnet's status. */
export interface VmnetError extends Error {
  readonly vmnetCall: string;
  /** A vmnet_return_t, or 0 when vmnet was not reached (macOS older than 26). */
  readonly vmnetStatus: number;
}

export interface VmnetNative {
  vmnetCreateNetwork(options: VmnetCreateOptions): Promise<VmnetCreated>;
  /** CFRelease: vmnet frees the network's resources. Idempotent. */
  vmnetReleaseNetwork(network: VmnetNetworkHandle): void;
}

export type DarwinNative = XpcNative & XpcClientNative & VmnetNative & AccountsNative;

let loaded: DarwinNative | undefined;

/**
 * Loads the addon once: from VMNET_BROKER_ADDON (a .node path; the single
 * executable sets it to the file beside itself), else with node-gyp-build.
 */
export function darwinNative(): DarwinNative {
  if (loaded !== undefined) return loaded;
  const explicit = process.env.VMNET_BROKER_ADDON;
  let native: DarwinNative;
  try {
    if (explicit) {
      const module = { exports: {} };
      process.dlopen(module, explicit);
      native = module.exports as DarwinNative;
    } else {
      const require = createRequire(import.meta.url);
      const nodeGypBuild = require("node-gyp-build") as (dir: string) => unknown;
      native = nodeGypBuild(PACKAGE_DIR) as DarwinNative;
    }
  } catch (error) {
    throw new Error(`cannot load the native addon from ${explicit ?? PACKAGE_DIR} (run \`node-gyp rebuild\` there)`, {
      cause: error,
    });
  }
  // Kept only once it is the macOS build: a wrong addon fails every call, not just the first.
  if (typeof native.xpcListen !== "function") {
    throw new Error(`the native addon at ${explicit ?? PACKAGE_DIR} has no XPC functions: it was not built for macOS`);
  }
  loaded = native;
  return loaded;
}
