// SPDX-License-Identifier: Apache-2.0
import { read, write } from "node:fs";
import { promisify } from "node:util";
import { arpReplySender, arpRequest, randomGuestMac } from "./arp-frame.js";

const readAsync = promisify(read);
const writeAsync = promisify(write);
/** struct virtio_net_hdr, which precedes every frame on a TAP opened with IFF_VNET_HDR. */
const VNET_HEADER_BYTES = 10;
const MAX_FRAME_BYTES = 65_536 + VNET_HEADER_BYTES;

type FrameWaiter = (frame: Buffer) => void;

/**
 * Reads frames from a TAP fd for as long as the process lives, one read at a
 * time on libuv's thread pool (the fd may be blocking, and a second reader
 * would steal frames from the first), handing each to whoever waits.
 */
export class TapDevice {
  readonly #waiters = new Set<FrameWaiter>();
  #reading = false;

  constructor(
    readonly fd: number,
    readonly vnetHeader: boolean,
  ) {}

  /**
   * Writes an ARP request for the gateway and resolves with the gateway's
   * address once its reply arrives; undefined if none comes within limitMs.
   */
  async probeGateway(gateway: string, limitMs: number): Promise<string | undefined> {
    const mac = randomGuestMac();
    let timer: NodeJS.Timeout | undefined;
    let waiter: FrameWaiter | undefined;
    const answer = new Promise<string | undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), limitMs);
      waiter = (frame) => {
        if (arpReplySender(frame, mac) === gateway) resolve(gateway);
      };
      this.#waiters.add(waiter);
    });
    this.#startReading();
    try {
      await writeAsync(this.fd, this.#withPrefix(arpRequest(mac, gateway)));
      return await answer;
    } finally {
      clearTimeout(timer);
      if (waiter !== undefined) this.#waiters.delete(waiter);
    }
  }

  #withPrefix(frame: Buffer): Buffer {
    return this.vnetHeader ? Buffer.concat([Buffer.alloc(VNET_HEADER_BYTES), frame]) : frame;
  }

  #startReading(): void {
    if (this.#reading) return;
    this.#reading = true;
    const buffer = Buffer.alloc(MAX_FRAME_BYTES);
    const skip = this.vnetHeader ? VNET_HEADER_BYTES : 0;
    void (async () => {
      try {
        for (;;) {
          const { bytesRead } = await readAsync(this.fd, buffer, 0, buffer.length, null);
          if (bytesRead === 0) return;
          const frame = Buffer.from(buffer.subarray(skip, bytesRead));
          for (const waiter of this.#waiters) waiter(frame);
        }
      } catch {
        // The fd was closed or the TAP removed: no more frames.
      } finally {
        this.#reading = false;
      }
    })();
  }
}
