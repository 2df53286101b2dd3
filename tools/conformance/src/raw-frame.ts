// SPDX-License-Identifier: Apache-2.0
/**
 * The runner's own connection for malformed input: sends one frame (raw
 * bytes, a golden vector, or only a length header), reads the broker's reply,
 * then checks that the connection still answers a status request.
 */
import { readFileSync } from "node:fs";
import { createConnection, type Socket } from "node:net";
import { join } from "node:path";
import protobuf from "protobufjs";
import type { RawFrame } from "./case-format.js";

const REPLY_TIMEOUT_MS = 10_000;
const PROBE_ID = 4242;

export function loadSchema(root: string): protobuf.Root {
  const schema = new protobuf.Root();
  schema.loadSync(join(root, "protocol/vmnet_broker/v1/broker.proto"), { keepCase: true });
  schema.resolveAll();
  return schema;
}

function frame(payload: Uint8Array): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(payload.length);
  return Buffer.concat([header, payload]);
}

export function frameBytes(root: string, raw: RawFrame): Buffer {
  if ("hex" in raw) return frame(Buffer.from(raw.hex, "hex"));
  if ("vector" in raw) return frame(readFileSync(join(root, "protocol/vectors", `${raw.vector}.bin`)));
  const header = Buffer.alloc(4);
  header.writeUInt32BE(raw.length);
  return header; // only the header: the broker must answer before reading a payload
}

/** Reads length-prefixed frames from a socket; resolves undefined on close or timeout. */
class FrameReader {
  #buf = Buffer.alloc(0);
  #closed = false;
  #wake: (() => void) | undefined;
  constructor(socket: Socket) {
    socket.on("data", (d: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, d]);
      this.#wake?.();
    });
    const closed = () => {
      this.#closed = true;
      this.#wake?.();
    };
    socket.on("close", closed);
    socket.on("error", closed);
  }
  get closed(): boolean {
    return this.#closed;
  }
  async next(timeoutMs: number): Promise<Buffer | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.#buf.length >= 4) {
        const len = this.#buf.readUInt32BE(0);
        if (this.#buf.length >= 4 + len) {
          const payload = this.#buf.subarray(4, 4 + len);
          this.#buf = this.#buf.subarray(4 + len);
          return payload;
        }
      }
      const left = deadline - Date.now();
      if (this.#closed || left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }
  /** True if the peer closes within ms. */
  async closesWithin(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.#closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.#closed;
  }
}

/**
 * Result: {ok, id, code, message} of the first reply ({reply: false} if none),
 * `closed` (the broker closed the connection), and `usable` (a status request
 * on the same connection got its reply).
 */
export async function sendRawFrame(
  root: string,
  schema: protobuf.Root,
  socketPath: string,
  raw: RawFrame,
): Promise<Record<string, unknown>> {
  const Reply = schema.lookupType("vmnet_broker.v1.Reply");
  const Request = schema.lookupType("vmnet_broker.v1.Request");
  const socket = createConnection(socketPath);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    const reader = new FrameReader(socket);
    socket.write(frameBytes(root, raw));
    const payload = await reader.next(REPLY_TIMEOUT_MS);
    const result: Record<string, unknown> = {};
    if (payload === undefined) {
      result.reply = false;
      result.ok = false;
    } else {
      const reply = Reply.toObject(Reply.decode(payload), { defaults: true, enums: Number }) as {
        id: number;
        error?: { code: number; message: string };
      };
      result.reply = true;
      result.id = reply.id;
      result.ok = reply.error === undefined || reply.error === null;
      if (reply.error) {
        result.code = reply.error.code;
        result.message = reply.error.message;
      }
    }
    if ("length" in raw) {
      result.closed = await reader.closesWithin(2000);
    } else {
      result.closed = reader.closed;
    }
    if (!reader.closed) {
      socket.write(frame(Request.encode(Request.fromObject({ id: PROBE_ID, status: {} })).finish()));
      const probe = await reader.next(REPLY_TIMEOUT_MS);
      const r = probe && (Reply.toObject(Reply.decode(probe)) as { id?: number; status?: unknown });
      result.usable = r !== undefined && r.id === PROBE_ID && r.status !== undefined;
    } else {
      result.usable = false;
    }
    return result;
  } finally {
    socket.destroy();
  }
}
