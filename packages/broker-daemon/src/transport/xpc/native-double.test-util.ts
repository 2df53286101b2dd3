// SPDX-License-Identifier: Apache-2.0
// Test doubles of the addon's macOS surface, for unit tests only: they stand in
// for libxpc and vmnet so the mapping, the transport and the backend run on Linux.
import type {
  VmnetCreated,
  VmnetCreateOptions,
  VmnetNative,
  VmnetNetworkHandle,
  XpcEvent,
  XpcListener,
  XpcNative,
  XpcReplyHandle,
} from "./darwin-native.js";
import type { XpcDictionary, XpcValue } from "./xpc-value.js";

interface ReplySlot {
  readonly id: number;
  answered: boolean;
}

/** Plays libxpc: peers connect, send messages and vanish; replies are recorded. */
export class XpcNativeDouble implements XpcNative {
  serviceName: string | undefined;
  listening = false;
  #onEvent: ((event: XpcEvent) => void) | undefined;
  #nextReply = 1;
  readonly #waiting = new Map<number, (body: XpcDictionary) => void>();
  /** Every reply sent, in order, with its message's slot id. */
  readonly sent: Array<{ readonly slot: number; readonly body: XpcDictionary }> = [];

  xpcListen(serviceName: string, onEvent: (event: XpcEvent) => void): XpcListener {
    this.serviceName = serviceName;
    this.listening = true;
    this.#onEvent = onEvent;
    return {
      close: () => {
        this.listening = false;
      },
      push: (peer, body, bytes) => {
        if (this.gone.has(peer)) return 0;
        this.pushed.push({ peer, body });
        const unsent = (this.#unsent.get(peer) ?? 0) + bytes;
        // A peer that reads takes each message at once; a stalled one keeps them unsent.
        this.#unsent.set(peer, this.stalled.has(peer) ? unsent : 0);
        return unsent;
      },
      dropPeer: (peer) => {
        this.dropped.push(peer);
        this.gone.add(peer);
        this.#emit({ type: "disconnect", peer });
      },
    };
  }

  /** Messages pushed to peers (events), in order. */
  readonly pushed: Array<{ readonly peer: number; readonly body: XpcDictionary }> = [];
  /** Peers whose messages stay unsent (they do not read). */
  readonly stalled = new Set<number>();
  /** Peers the transport dropped, in order. */
  readonly dropped: number[] = [];
  readonly gone = new Set<number>();
  readonly #unsent = new Map<number, number>();

  xpcReply(reply: XpcReplyHandle, body: XpcDictionary): void {
    const slot = reply as unknown as ReplySlot;
    if (slot.answered) throw new Error("xpcReply: this message was already answered");
    slot.answered = true;
    this.sent.push({ slot: slot.id, body });
    this.#waiting.get(slot.id)?.(body);
    this.#waiting.delete(slot.id);
  }

  connect(peer: number, euid = 501, egid = 20, pid = 4242): void {
    this.#emit({ type: "connect", peer, euid, egid, pid });
  }

  /** Sends a message expecting a reply; resolves with the reply's body. */
  send(peer: number, message: XpcValue): Promise<XpcDictionary> {
    const slot: ReplySlot = { id: this.#nextReply++, answered: false };
    const replied = new Promise<XpcDictionary>((resolve) => this.#waiting.set(slot.id, resolve));
    this.#emit({ type: "message", peer, message, reply: slot as unknown as XpcReplyHandle });
    return replied;
  }

  /** Sends a message without a reply context (xpc_connection_send_message). */
  sendNoReply(peer: number, message: XpcValue): void {
    this.#emit({ type: "message", peer, message, reply: null });
  }

  disconnect(peer: number): void {
    this.gone.add(peer);
    this.#emit({ type: "disconnect", peer });
  }

  listenerError(message: string): void {
    this.#emit({ type: "error", peer: 0, message });
  }

  #emit(event: XpcEvent): void {
    if (!this.listening || this.#onEvent === undefined) throw new Error("the transport is not listening");
    this.#onEvent(event);
  }
}

/** A serialization as the double hands it out: identifiable, never a real XPC object. */
export interface SerializationDouble {
  readonly serializationOf: number;
}

/** Plays vmnet: records configurations, can fail with a vmnet status, tracks releases. */
export class VmnetNativeDouble implements VmnetNative {
  readonly created: VmnetCreateOptions[] = [];
  readonly released = new Set<number>();
  /** When set, the next creation rejects like the addon does for this status. */
  failNext: { call: string; status: number } | undefined;
  /** When set, creations wait for it. */
  gate: Promise<void> | undefined;
  #next = 1;

  async vmnetCreateNetwork(options: VmnetCreateOptions): Promise<VmnetCreated> {
    if (this.gate) await this.gate;
    if (this.failNext) {
      const { call, status } = this.failNext;
      this.failNext = undefined;
      throw Object.assign(new Error(`${call} failed: vmnet status ${status}`), { vmnetCall: call, vmnetStatus: status });
    }
    this.created.push(options);
    const id = this.#next++;
    const third = 63 + id;
    return {
      network: { id } as unknown as VmnetNetworkHandle,
      serialization: { serializationOf: id } satisfies SerializationDouble,
      // vmnet reports the gateway-style address it was configured with.
      subnet: options.subnetGateway ?? `192.168.${third}.1`,
      mask: options.subnetMask ?? "255.255.255.0",
      ipv6Prefix: options.ipv6Prefix ?? "fd00:1234::",
      ipv6PrefixLength: options.ipv6PrefixLength ?? 64,
    };
  }

  vmnetReleaseNetwork(network: VmnetNetworkHandle): void {
    this.released.add((network as unknown as { id: number }).id);
  }

  get live(): number {
    return this.created.length - this.released.size;
  }
}
