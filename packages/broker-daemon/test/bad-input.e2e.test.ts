// SPDX-License-Identifier: Apache-2.0
// Malformed frames, unknown commands, vanishing peers and broken configuration:
// each gets a clear error, and the broker keeps serving everyone else.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { ErrorCode, Reply, Request } from "@vmnet-broker/client/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, TestBroker } from "./harness/broker.js";

const frame = (payload: Uint8Array) => {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(payload.length);
  return Buffer.concat([header, payload]);
};

/** A raw connection that reads whole reply frames. */
class RawPeer {
  #buffer = Buffer.alloc(0);
  #waiters: Array<() => void> = [];
  closed = false;
  private constructor(readonly socket: Socket) {
    socket.on("data", (d) => {
      this.#buffer = Buffer.concat([this.#buffer, d]);
      for (const w of this.#waiters.splice(0)) w();
    });
    socket.on("close", () => {
      this.closed = true;
      for (const w of this.#waiters.splice(0)) w();
    });
  }
  static open(path: string): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect(path, () => resolve(new RawPeer(socket)));
      socket.once("error", reject);
    });
  }
  async reply(): Promise<Reply> {
    const deadline = Date.now() + 5000;
    for (;;) {
      if (this.#buffer.length >= 4) {
        const length = this.#buffer.readUInt32BE(0);
        if (this.#buffer.length >= 4 + length) {
          const payload = this.#buffer.subarray(4, 4 + length);
          this.#buffer = this.#buffer.subarray(4 + length);
          return Reply.decode(payload);
        }
      }
      if (this.closed || Date.now() > deadline) throw new Error("no reply");
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }
  async waitClosed(): Promise<boolean> {
    const deadline = Date.now() + 5000;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.closed;
  }
}
const acquireFrame = (id: number, name: string) =>
  frame(Request.encode(Request.create({ id, command: { $case: "acquire", value: { networkName: name } } })).finish());
const errorOf = (reply: Reply) => (reply.result?.$case === "error" ? reply.result.value : undefined);

describe("bad input (live broker)", () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await TestBroker.start({
      networks: {
        good: { mode: "host", description: "fine" },
        typo: { mode: "host", colour: "red" },
        broken: "{ not json",
      },
    });
  });
  afterAll(async () => {
    await broker.dispose();
  });

  it("answers an undecodable payload with INVALID_REQUEST (id 0) and keeps the connection", async () => {
    const peer = await RawPeer.open(broker.socket);
    peer.socket.write(frame(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])));
    const reply = await peer.reply();
    expect(reply.id).toBe(0);
    expect(errorOf(reply)?.code).toBe(ErrorCode.ERROR_CODE_INVALID_REQUEST);
    peer.socket.write(acquireFrame(9, "good"));
    const ok = await peer.reply();
    expect(ok.id).toBe(9);
    expect(ok.result?.$case).toBe("network");
    peer.socket.destroy();
  });

  it("answers an empty frame and an unknown command with INVALID_REQUEST", async () => {
    const peer = await RawPeer.open(broker.socket);
    peer.socket.write(frame(new Uint8Array(0)));
    expect(errorOf(await peer.reply())?.code).toBe(ErrorCode.ERROR_CODE_INVALID_REQUEST);
    // id 5 plus a field (99, varint) from a future protocol version.
    peer.socket.write(frame(Buffer.from([0x08, 0x05, 0x98, 0x06, 0x01])));
    const reply = await peer.reply();
    expect(reply.id).toBe(5);
    expect(errorOf(reply)?.message).toMatch(/command/);
    peer.socket.destroy();
  });

  it("rejects an oversized frame header, then closes that connection only", async () => {
    const peer = await RawPeer.open(broker.socket);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(0x7fffffff);
    peer.socket.write(header);
    const reply = await peer.reply();
    expect(errorOf(reply)?.code).toBe(ErrorCode.ERROR_CODE_INVALID_REQUEST);
    expect(await peer.waitClosed()).toBe(true);
    expect((await broker.status()).brokerVersion).not.toBe("");
  });

  it("releases a peer that vanishes in the middle of a frame", async () => {
    const peer = await RawPeer.open(broker.socket);
    peer.socket.write(acquireFrame(1, "good"));
    await peer.reply();
    peer.socket.write(acquireFrame(2, "shared").subarray(0, 7));
    peer.socket.destroy();
    await broker.waitFor((s) => s.networks.find((n) => n.network?.name === "good")?.references === 0, "release of the vanished peer");
  });

  it("keeps serving the other networks when some config files are bad, and names file and field", async () => {
    const status = await broker.status();
    const errors = status.configErrors.join("\n");
    expect(errors).toMatch(/typo\.json: field 'colour': unknown field/);
    expect(errors).toMatch(/broken\.json: not valid JSON/);
    const client = await broker.connect();
    const failure = await client.acquireNetwork("typo").catch((e: { code: number; message: string }) => e);
    expect(failure).toMatchObject({
      code: ErrorCode.ERROR_CODE_NOT_FOUND,
      message: expect.stringMatching(/configuration file has errors/),
    });
    await expect(client.acquireNetwork("good")).resolves.toMatchObject({ name: "good", description: "fine" });
    client.close();
  });

  it("reloads the configuration on SIGHUP", async () => {
    writeFileSync(join(broker.dir, "conf", "typo.json"), JSON.stringify({ mode: "host" }));
    process.kill(broker.pid, "SIGHUP");
    await broker.waitFor((s) => !s.configErrors.some((e) => e.includes("typo.json")), "reload");
    const client = await broker.connect();
    await expect(client.acquireNetwork("typo")).resolves.toMatchObject({ name: "typo" });
    client.close();
  });

  it("check-config validates without serving and exits 1 naming each problem", () => {
    let output = "";
    let status = 0;
    try {
      execFileSync(process.execPath, [CLI, "check-config", "--config-dir", join(broker.dir, "conf")], { encoding: "utf8" });
    } catch (error) {
      status = (error as { status: number }).status;
      output = (error as { stdout: string }).stdout;
    }
    expect(status).toBe(1);
    expect(output).toMatch(/error +.*broken\.json: not valid JSON/);
    expect(output).toMatch(/ok +good/);
  });
});
