// SPDX-License-Identifier: Apache-2.0
import { readSync, writeSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { native } from "../native/load-native-addon.js";
import { encodeFrame } from "./frame-encoder.js";
import { MAX_REPLY_PAYLOAD, MAX_REQUEST_PAYLOAD } from "./frame-limits.js";
import type { CloseInfo } from "./framed-endpoint.js";
import { closeAll, FramedEndpoint } from "./framed-endpoint.js";
import {
  closeQuietly,
  connectedPair,
  eventually,
  makePipe,
  makeTempDir,
  openFds,
} from "./test-support/socket-fixtures.js";

const options = { maxReceivePayload: MAX_REPLY_PAYLOAD, maxSendPayload: MAX_REPLY_PAYLOAD };

interface Received {
  frames: { payload: Buffer; fds: number[] }[];
  closed?: CloseInfo;
}

function collecting(fd: number): { endpoint: FramedEndpoint; received: Received } {
  const received: Received = { frames: [] };
  const endpoint = new FramedEndpoint(fd, options, {
    onFrame: (payload, fds) => received.frames.push({ payload, fds }),
    onClose: (info) => {
      received.closed = info;
    },
  });
  return { endpoint, received };
}

let temp: ReturnType<typeof makeTempDir>;
let socketPath: string;
beforeEach(() => {
  temp = makeTempDir();
  socketPath = `${temp.dir}/s.sock`;
});
afterEach(() => temp.cleanup());

describe("FramedEndpoint over a real socket", () => {
  it("passes a pipe fd that the receiver writes through", async () => {
    const { client, server } = await connectedPair(socketPath);
    const pipe = makePipe(temp.dir);
    const a = collecting(client);
    const b = collecting(server);
    a.endpoint.send(Buffer.from("take this pipe"), [pipe.write]);
    // The endpoint sent a dup: the caller may close its own fd at once.
    closeQuietly(pipe.write);
    await eventually(() => b.received.frames.length === 1, "the frame with the fd");
    const frame = b.received.frames[0];
    expect(frame?.payload.toString()).toBe("take this pipe");
    expect(frame?.fds).toHaveLength(1);
    const passed = frame?.fds[0] ?? -1;
    writeSync(passed, "through the passed fd");
    closeAll([passed]);
    const buffer = Buffer.alloc(64);
    const n = readSync(pipe.read, buffer);
    expect(buffer.subarray(0, n).toString()).toBe("through the passed fd");
    closeQuietly(pipe.read);
    a.endpoint.close();
    b.endpoint.close();
  });

  it("passes several fds with one frame, in order, and none with the next", async () => {
    const { client, server } = await connectedPair(socketPath);
    const pipes = ["q0", "q1", "q2"].map((name) => makePipe(temp.dir, name));
    const a = collecting(client);
    const b = collecting(server);
    a.endpoint.send(
      Buffer.from("three queues"),
      pipes.map((p) => p.write),
    );
    a.endpoint.send(Buffer.from("no fds"));
    await eventually(() => b.received.frames.length === 2, "both frames");
    const [first, second] = b.received.frames;
    expect(first?.fds).toHaveLength(3);
    expect(second?.fds).toEqual([]);
    for (const [i, fd] of (first?.fds ?? []).entries()) writeSync(fd, `queue ${i}`);
    const read = (fd: number) => {
      const buffer = Buffer.alloc(64);
      return buffer.subarray(0, readSync(fd, buffer)).toString();
    };
    expect(pipes.map((p) => read(p.read))).toEqual(["queue 0", "queue 1", "queue 2"]);
    closeAll(first?.fds ?? []);
    for (const p of pipes) closeQuietly(p.read, p.write);
    a.endpoint.close();
    b.endpoint.close();
  });

  it("reports SO_PEERCRED of the connecting process", async () => {
    const { client, server, credentials } = await connectedPair(socketPath);
    expect(credentials).toEqual({ uid: process.getuid?.(), gid: process.getgid?.(), pid: process.pid });
    expect(native.peerCredentials(client).pid).toBe(process.pid);
    native.closeFd(client);
    native.closeFd(server);
  });

  it("keeps frames and their fds in order when the socket buffer is full (EAGAIN)", async () => {
    const { client, server } = await connectedPair(socketPath);
    const a = collecting(client);
    const pipes = [makePipe(temp.dir, "p0"), makePipe(temp.dir, "p1"), makePipe(temp.dir, "p2")];
    const frameCount = 60;
    const big = 256 * 1024;
    for (let i = 0; i < frameCount; i++) {
      const payload = Buffer.alloc(big, i);
      payload.writeUInt32BE(i, 0);
      const pipe = i % 20 === 5 ? pipes[(i - 5) / 20] : undefined;
      a.endpoint.send(payload, pipe ? [pipe.write] : []);
    }
    // Nobody reads yet, so most of it must be queued behind EAGAIN.
    expect(a.endpoint.queuedBytes).toBeGreaterThan(0);
    const b = collecting(server);
    await eventually(() => b.received.frames.length === frameCount, "every frame", 20_000);
    expect(a.endpoint.queuedBytes).toBe(0);
    b.received.frames.forEach((frame, i) => {
      expect(frame.payload.length).toBe(big);
      expect(frame.payload.readUInt32BE(0)).toBe(i);
      expect(frame.payload[big - 1]).toBe(i);
      expect(frame.fds).toHaveLength(i % 20 === 5 ? 1 : 0);
    });
    // Each passed fd is the right pipe: write through it, read at the matching end.
    b.received.frames
      .filter((frame) => frame.fds.length > 0)
      .forEach((frame, k) => {
        writeSync(frame.fds[0] ?? -1, `pipe ${k}`);
        const buffer = Buffer.alloc(16);
        const n = readSync(pipes[k]?.read ?? -1, buffer);
        expect(buffer.subarray(0, n).toString()).toBe(`pipe ${k}`);
        closeAll(frame.fds);
      });
    for (const pipe of pipes) closeQuietly(pipe.read, pipe.write);
    a.endpoint.close();
    b.endpoint.close();
  });

  it("reports a peer that vanishes mid-frame, once, and frees the partial frame's fds", async () => {
    const { client, server } = await connectedPair(socketPath);
    const pipe = makePipe(temp.dir);
    const b = collecting(server);
    const raw = new native.Endpoint(
      client,
      () => {},
      () => {},
    );
    const header = Buffer.alloc(4);
    header.writeUInt32BE(100);
    raw.send(Buffer.concat([header, Buffer.from("only part")]), [pipe.read]);
    await eventually(() => raw.queuedBytes === 0, "the partial frame to be written");
    raw.close();
    await eventually(() => b.received.closed !== undefined, "the close");
    expect(b.received.closed).toMatchObject({ midFrame: true, local: false });
    expect(b.received.frames).toHaveLength(0);
    closeQuietly(pipe.read, pipe.write);
  });

  it("ends a stream whose header is above the receive limit", async () => {
    const { client, server } = await connectedPair(socketPath);
    const received: Received = { frames: [] };
    new FramedEndpoint(
      server,
      { maxReceivePayload: MAX_REQUEST_PAYLOAD, maxSendPayload: MAX_REPLY_PAYLOAD },
      {
        onFrame: (payload, fds) => received.frames.push({ payload, fds }),
        onClose: (info) => {
          received.closed = info;
        },
      },
    );
    const a = collecting(client);
    a.endpoint.send(Buffer.alloc(MAX_REQUEST_PAYLOAD + 1));
    await eventually(() => received.closed !== undefined, "the close");
    expect(received.closed?.framingError?.kind).toBe("oversize");
    a.endpoint.close();
  });

  it("reports EOF to the other side when one side closes", async () => {
    const { client, server } = await connectedPair(socketPath);
    const a = collecting(client);
    const b = collecting(server);
    a.endpoint.close();
    await eventually(() => a.received.closed !== undefined && b.received.closed !== undefined, "both closes");
    expect(a.received.closed?.local).toBe(true);
    expect(b.received.closed).toMatchObject({ local: false, midFrame: false });
    expect(b.received.closed?.error).toBeUndefined();
    expect(() => a.endpoint.send(Buffer.from("late"))).toThrow(/send failed: EPIPE/);
  });

  it("reports EPIPE/ECONNRESET when writing to a vanished peer", async () => {
    const { client, server } = await connectedPair(socketPath);
    const a = collecting(client);
    native.closeFd(server);
    for (let i = 0; i < 50 && a.received.closed === undefined; i++) {
      try {
        a.endpoint.send(Buffer.alloc(1024));
      } catch {
        break; // already closed
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await eventually(() => a.received.closed !== undefined, "the close");
    const code = a.received.closed?.error?.code;
    // A read may see the EOF first; a write sees EPIPE (or ECONNRESET).
    if (code !== undefined) expect(["EPIPE", "ECONNRESET"]).toContain(code);
    expect(a.received.closed?.local).toBe(false);
  });

  it("sends a frame larger than the socket takes at once whole, its fd once, with the next frame after it", async () => {
    const { client, server } = await connectedPair(socketPath);
    const pipe = makePipe(temp.dir);
    const a = collecting(client);
    const b = collecting(server);
    // The first sendmsg takes part of it (with the fd); the rest is queued.
    const big = Buffer.alloc(MAX_REPLY_PAYLOAD - 1, 7);
    big[big.length - 1] = 9;
    a.endpoint.send(big, [pipe.write]);
    closeQuietly(pipe.write);
    expect(a.endpoint.queuedBytes).toBeGreaterThan(0);
    a.endpoint.send(Buffer.from("after"));
    await eventually(() => b.received.frames.length === 2, "both frames");
    const [first, second] = b.received.frames;
    expect(first?.payload.equals(big)).toBe(true);
    expect(first?.fds).toHaveLength(1);
    expect(second?.payload.toString()).toBe("after");
    expect(second?.fds).toEqual([]);
    closeAll(first?.fds ?? []);
    closeQuietly(pipe.read);
    a.endpoint.close();
    b.endpoint.close();
  });

  it("throws for a closed fd and keeps the connection", async () => {
    const { client, server } = await connectedPair(socketPath);
    const pipe = makePipe(temp.dir);
    closeQuietly(pipe.write);
    const a = collecting(client);
    const b = collecting(server);
    expect(() => a.endpoint.send(Buffer.from("bad"), [pipe.write])).toThrow(/fcntl failed: EBADF/);
    a.endpoint.send(Buffer.from("still here"));
    await eventually(() => b.received.frames.length === 1, "the next frame");
    expect(b.received.frames[0]?.payload.toString()).toBe("still here");
    expect(a.received.closed).toBeUndefined();
    closeQuietly(pipe.read);
    a.endpoint.close();
    b.endpoint.close();
  });

  it("closes the dups of queued fds when closed before sending them", async () => {
    const { client, server } = await connectedPair(socketPath);
    const pipe = makePipe(temp.dir);
    const before = openFds();
    const a = collecting(client);
    // Fill the buffer so the fd-carrying frame stays queued.
    for (let i = 0; i < 40; i++) a.endpoint.send(Buffer.alloc(256 * 1024));
    a.endpoint.send(Buffer.from("x"), [pipe.write]);
    expect(openFds().size).toBe(before.size + 1);
    a.endpoint.close();
    await eventually(() => a.received.closed !== undefined, "the close");
    const after = openFds();
    expect(after.size).toBe(before.size - 1);
    native.closeFd(server);
    closeQuietly(pipe.read, pipe.write);
  });
});

describe("FramedEndpoint flow control", () => {
  it("delivers nothing while reading is paused, everything in order after resuming", async () => {
    const { client, server } = await connectedPair(socketPath);
    const a = collecting(client);
    const b = collecting(server);
    b.endpoint.pauseReading();
    for (let i = 0; i < 10; i++) a.endpoint.send(Buffer.from(`m${i}`));
    await eventually(() => a.endpoint.queuedBytes === 0, "the frames to be written");
    await new Promise((resolve) => setImmediate(resolve));
    expect(b.received.frames).toHaveLength(0);
    b.endpoint.resumeReading();
    await eventually(() => b.received.frames.length === 10, "every frame");
    expect(b.received.frames.map((f) => f.payload.toString())).toEqual(
      Array.from({ length: 10 }, (_, i) => `m${i}`),
    );
    a.endpoint.close();
    b.endpoint.close();
  });

  it("stops between two frames of one read when paused, and keeps their fds with the rest", async () => {
    const { client, server } = await connectedPair(socketPath);
    const pipe = makePipe(temp.dir);
    const frames: { text: string; fds: number[] }[] = [];
    const b: FramedEndpoint = new FramedEndpoint(server, options, {
      onFrame: (payload, fds) => {
        frames.push({ text: payload.toString(), fds });
        b.pauseReading();
      },
      onClose: () => {},
    });
    const raw = new native.Endpoint(
      client,
      () => {},
      () => {},
    );
    // Three frames in one sendmsg: the fd belongs to the last one.
    const bytes = Buffer.concat(["a", "b", "c"].map((t) => encodeFrame(Buffer.from(t), 16)));
    raw.send(bytes, [pipe.write]);
    await eventually(() => frames.length === 1, "the first frame");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(frames.map((f) => f.text)).toEqual(["a"]);
    b.resumeReading();
    expect(frames.map((f) => f.text)).toEqual(["a", "b"]);
    b.resumeReading();
    expect(frames.map((f) => [f.text, f.fds.length])).toEqual([
      ["a", 0],
      ["b", 0],
      ["c", 1],
    ]);
    closeAll(frames[2]?.fds ?? []);
    closeQuietly(pipe.read, pipe.write);
    raw.close();
    b.close();
  });

  it("keeps a paused endpoint's unread frames intact while other endpoints read", async () => {
    const first = await connectedPair(socketPath);
    const second = await connectedPair(`${temp.dir}/t.sock`);
    const frames: string[] = [];
    const b: FramedEndpoint = new FramedEndpoint(first.server, options, {
      onFrame: (payload) => {
        frames.push(payload.toString());
        b.pauseReading();
      },
      onClose: () => {},
    });
    const other = collecting(second.server);
    const raw = new native.Endpoint(
      first.client,
      () => {},
      () => {},
    );
    raw.send(Buffer.concat(["one", "two"].map((t) => encodeFrame(Buffer.from(t), 16))), []);
    await eventually(() => frames.length === 1, "the first frame");
    // Reads of another endpoint land where the paused rest was read.
    const sender = collecting(second.client);
    sender.endpoint.send(Buffer.from("XXXXXXXXXXXXXXXXXXXXXXXX"));
    await eventually(() => other.received.frames.length === 1, "the other endpoint's frame");
    b.resumeReading();
    expect(frames).toEqual(["one", "two"]);
    raw.close();
    b.close();
    sender.endpoint.close();
    other.endpoint.close();
  });

  it("closes the fds of undelivered frames when closed while paused", async () => {
    const { client, server } = await connectedPair(socketPath);
    const pipe = makePipe(temp.dir);
    const before = openFds().size;
    let closed: CloseInfo | undefined;
    const b: FramedEndpoint = new FramedEndpoint(server, options, {
      onFrame: () => b.pauseReading(),
      onClose: (info) => {
        closed = info;
      },
    });
    const raw = new native.Endpoint(
      client,
      () => {},
      () => {},
    );
    raw.send(Buffer.concat(["a", "b"].map((t) => encodeFrame(Buffer.from(t), 16))), [pipe.write]);
    await eventually(() => raw.queuedBytes === 0, "the frames to be written");
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The received dup of pipe.write waits with the undelivered frame "b".
    expect(openFds().size).toBe(before + 1);
    b.close();
    raw.close();
    await eventually(() => closed !== undefined, "the close");
    // Both ends of the socket and the undelivered dup are gone.
    await eventually(() => openFds().size === before - 2, "every fd to be closed");
    closeQuietly(pipe.read, pipe.write);
  });

  it("hangs up on a peer that starts a frame and does not finish it in time", async () => {
    const { client, server } = await connectedPair(socketPath);
    let closed: CloseInfo | undefined;
    const frames: string[] = [];
    new FramedEndpoint(
      server,
      { ...options, frameTimeoutMs: 100 },
      {
        onFrame: (payload) => frames.push(payload.toString()),
        onClose: (info) => {
          closed = info;
        },
      },
    );
    const raw = new native.Endpoint(
      client,
      () => {},
      () => {},
    );
    // Whole frames, however slow between them, never time out.
    raw.send(encodeFrame(Buffer.from("one"), 16), []);
    await new Promise((resolve) => setTimeout(resolve, 150));
    raw.send(encodeFrame(Buffer.from("two"), 16), []);
    await eventually(() => frames.length === 2, "two frames");
    expect(closed).toBeUndefined();
    raw.send(encodeFrame(Buffer.from("three"), 16).subarray(0, 6), []);
    await eventually(() => closed !== undefined, "the hang-up");
    expect(closed).toMatchObject({ midFrame: true, local: false, framingError: { kind: "timeout" } });
    expect(closed?.framingError?.message).toContain("100 ms");
    raw.close();
  });

  it("ends a connection whose read carries more descriptors than allowed, closing them", async () => {
    const { client, server } = await connectedPair(socketPath);
    const pipe = makePipe(temp.dir);
    let closed: CloseInfo | undefined;
    const frames: number[][] = [];
    new FramedEndpoint(
      server,
      { ...options, maxReceiveFds: 1 },
      {
        onFrame: (_payload, fds) => frames.push(fds),
        onClose: (info) => {
          closed = info;
        },
      },
    );
    const a = collecting(client);
    a.endpoint.send(Buffer.from("one"), [pipe.write]);
    await eventually(() => frames.length === 1, "the frame with one fd");
    closeAll(frames[0] ?? []);
    const before = openFds().size;
    a.endpoint.send(Buffer.from("two"), [pipe.write, pipe.read]);
    await eventually(() => closed !== undefined, "the hang-up");
    expect(closed?.framingError?.kind).toBe("too-many-fds");
    expect(frames).toHaveLength(1);
    // The server's socket is gone and the two received fds were never kept.
    expect(openFds().size).toBeLessThan(before);
    a.endpoint.close();
    closeQuietly(pipe.read, pipe.write);
  });

  it("does not count time spent paused against a frame", async () => {
    const { client, server } = await connectedPair(socketPath);
    let closed: CloseInfo | undefined;
    const b = new FramedEndpoint(
      server,
      { ...options, frameTimeoutMs: 50 },
      {
        onFrame: () => {},
        onClose: (info) => {
          closed = info;
        },
      },
    );
    const raw = new native.Endpoint(
      client,
      () => {},
      () => {},
    );
    raw.send(encodeFrame(Buffer.from("half"), 16).subarray(0, 5), []);
    await new Promise((resolve) => setTimeout(resolve, 10));
    b.pauseReading();
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(closed).toBeUndefined();
    b.resumeReading();
    await eventually(() => closed !== undefined, "the hang-up after resuming");
    expect(closed?.framingError?.kind).toBe("timeout");
    raw.close();
  });

  it("reports onDrain once a queue that waited for the socket is written", async () => {
    const { client, server } = await connectedPair(socketPath);
    let drained = 0;
    let queuedAtDrain = -1;
    const a: FramedEndpoint = new FramedEndpoint(client, options, {
      onFrame: () => {},
      onClose: () => {},
      onDrain: () => {
        drained++;
        queuedAtDrain = a.queuedBytes;
      },
    });
    for (let i = 0; i < 20; i++) a.send(Buffer.alloc(256 * 1024));
    expect(a.queuedBytes).toBeGreaterThan(0);
    expect(drained).toBe(0);
    const b = collecting(server);
    await eventually(() => drained > 0, "the drain");
    expect(queuedAtDrain).toBe(0);
    a.close();
    b.endpoint.close();
  });
});

describe("addon argument checks and errors", () => {
  it("throws TypeError with usage on bad arguments", () => {
    expect(() => native.connect(42 as unknown as string)).toThrow(TypeError);
    expect(() => native.connect(42 as unknown as string)).toThrow(/connect\(path: string\)/);
    expect(() => native.closeFd(-1)).toThrow(TypeError);
    expect(() => native.listen("/tmp/x", 0o1_0000, -1)).toThrow(/mode|argument 2/);
    expect(() => native.connect("x".repeat(200))).toThrow(/at most 107/);
    expect(
      () =>
        new native.Endpoint(
          1.5,
          () => {},
          () => {},
        ),
    ).toThrow(TypeError);
    const pipe = makePipe(temp.dir);
    expect(
      () =>
        new native.Endpoint(
          pipe.read,
          () => {},
          () => {},
          undefined,
          new Uint8Array(0),
        ),
    ).toThrow(/argument 5/);
    closeQuietly(pipe.read, pipe.write);
  });

  it("names the syscall and cause for a missing socket", () => {
    expect(() => native.connect(`${socketPath}.missing`)).toThrow(/connect failed: ENOENT \(no socket at/);
  });

  it("reports ECONNREFUSED for a stale socket file, and listen() replaces it", async () => {
    const fd = native.listen(socketPath, 0o600, -1);
    native.closeFd(fd); // the file stays, nobody listens
    expect(() => native.connect(socketPath)).toThrow(/connect failed: ECONNREFUSED \(nothing listens at/);
    const again = native.listen(socketPath, 0o600, -1);
    const client = native.connect(socketPath);
    native.closeFd(client);
    native.closeFd(again);
  });

  it("refuses to replace a socket somebody listens on, or a file that is not a socket", async () => {
    const fd = native.listen(socketPath, 0o600, -1);
    expect(() => native.listen(socketPath, 0o600, -1)).toThrow(/EADDRINUSE/);
    native.closeFd(fd);
    const { writeFileSync } = await import("node:fs");
    writeFileSync(`${temp.dir}/plain`, "x");
    expect(() => native.listen(`${temp.dir}/plain`, 0o600, -1)).toThrow(/not a socket/);
  });

  it("sets the socket file's mode, and its group when asked", async () => {
    const { statSync } = await import("node:fs");
    const fd = native.listen(socketPath, 0o640, -1);
    expect(statSync(socketPath).mode & 0o777).toBe(0o640);
    native.closeFd(fd);
    const grouped = `${temp.dir}/grouped.sock`;
    const gfd = native.listen(grouped, 0o660, 4242);
    expect(statSync(grouped).gid).toBe(4242);
    native.closeFd(gfd);
  });

  it("adopts only a listening Unix stream socket", async () => {
    const fd = native.listen(socketPath, 0o600, -1);
    expect(native.adoptListener(fd)).toBe(fd);
    const client = native.connect(socketPath);
    expect(() => native.adoptListener(client)).toThrow(/not a listening Unix stream socket/);
    const pipe = makePipe(temp.dir);
    expect(() => native.adoptListener(pipe.read)).toThrow(/ENOTSOCK/);
    closeQuietly(pipe.read, pipe.write);
    native.closeFd(client);
    native.closeFd(fd);
  });
});
