// SPDX-License-Identifier: Apache-2.0
// The existing vmnet-broker's scenarios, plus errors, limits and access control,
// against the real daemon in its sandbox.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { type BrokerClient, BrokerError, ErrorCode } from "@vmnet-broker/client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { TestBroker } from "./harness/broker.js";

const refs = async (broker: TestBroker, name: string) =>
  (await broker.status()).networks.find((n) => n.network?.name === name)?.references ?? 0;

describe("acquire (live broker)", () => {
  let broker: TestBroker;
  const open: BrokerClient[] = [];
  const connect = async () => {
    const client = await broker.connect();
    open.push(client);
    return client;
  };
  beforeAll(async () => {
    broker = await TestBroker.start({
      idleDelayMs: 500,
      maxNetworksPerPeer: 3,
      networks: {
        lab1: { mode: "host" },
        lab2: { mode: "host" },
        lab3: { mode: "host" },
        private: { mode: "host", allowed_users: ["root"] },
        nobodys: { mode: "host", allowed_users: [4242] },
      },
    });
  });
  afterEach(() => {
    for (const client of open.splice(0)) client.close();
  });
  afterAll(async () => {
    await broker.dispose();
  });

  it("acquires shared: a real bridge with the gateway address", async () => {
    const client = await connect();
    const network = await client.acquireNetwork("shared");
    expect(network).toMatchObject({ name: "shared", mtu: 1500 });
    expect(network.gateway).toMatch(/^\d+\.\d+\.\d+\.1$/);
    expect(broker.links()).toContain(network.bridge);
    expect(broker.inNamespace("ip", "-4", "addr", "show", "dev", network.bridge)).toContain(`inet ${network.gateway}/`);
  });

  it("acquires host", async () => {
    const network = await (await connect()).acquireNetwork("host");
    expect(network.name).toBe("host");
    expect(broker.links()).toContain(network.bridge);
  });

  it("answers an unknown name with NOT_FOUND (5)", async () => {
    const error = await (await connect()).acquireNetwork("no-such-net").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerError);
    expect((error as BrokerError).code).toBe(ErrorCode.ERROR_CODE_NOT_FOUND);
    expect((error as BrokerError).code).toBe(5);
  });

  it("gives one peer shared and host, on different subnets", async () => {
    const client = await connect();
    const shared = await client.acquireNetwork("shared");
    const host = await client.acquireNetwork("host");
    expect(shared.subnet).not.toBe(host.subnet);
    expect(shared.bridge).not.toBe(host.bridge);
  });

  it("counts the same network acquired 3 and 9 times by one peer once (past the per-peer limit)", async () => {
    const client = await connect();
    for (let i = 0; i < 9; i++) await client.acquireNetwork("shared");
    expect(await refs(broker, "shared")).toBe(1);
  });

  it("reuses a network across three serial peers", async () => {
    let subnet = "";
    for (let i = 0; i < 3; i++) {
      const client = await connect();
      const network = await client.acquireNetwork("host");
      subnet ||= network.subnet;
      expect(network.subnet).toBe(subnet);
      client.close();
      await broker.waitFor((s) => (s.networks.find((n) => n.network?.name === "host")?.references ?? 0) === 0, "release");
    }
  });

  it("serves two concurrent peers on different networks and three sharing one", async () => {
    const [a, b] = await Promise.all([connect(), connect()]);
    const [na, nb] = await Promise.all([a!.acquireNetwork("shared"), b!.acquireNetwork("host")]);
    expect(na.name).toBe("shared");
    expect(nb.name).toBe("host");
    const trio = await Promise.all([connect(), connect(), connect()]);
    const networks = await Promise.all(trio.map((c) => c.acquireNetwork("lab1")));
    expect(new Set(networks.map((n) => n.bridge)).size).toBe(1);
    expect(await refs(broker, "lab1")).toBe(3);
  });

  it("enforces the per-peer limit with LIMIT_EXCEEDED", async () => {
    const client = await connect();
    for (const name of ["lab1", "lab2", "lab3"]) await client.acquireNetwork(name);
    const error = await client.acquireNetwork("shared").catch((e: unknown) => e);
    expect((error as BrokerError).code).toBe(ErrorCode.ERROR_CODE_LIMIT_EXCEEDED);
    await client.acquireNetwork("lab2");
  });

  it("answers a peer outside allowed_users with NOT_ALLOWED (3) and admits a listed one", async () => {
    await (await connect()).acquireNetwork("private");
    const error = await (await connect()).acquireNetwork("nobodys").catch((e: unknown) => e);
    expect((error as BrokerError).code).toBe(ErrorCode.ERROR_CODE_NOT_ALLOWED);
  });

  it("identifies a non-root peer by SO_PEERCRED", async () => {
    // A child running as uid 65534 asks for "private" (root only) and "host".
    const script = `
      import { BrokerClient } from "@vmnet-broker/client";
      const c = await BrokerClient.connect({ socketPath: process.argv[1] });
      const out = [];
      for (const name of ["private", "host"]) {
        try { await c.acquireNetwork(name); out.push("ok"); } catch (e) { out.push(e.code); }
      }
      console.log(JSON.stringify(out)); c.close();`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script, broker.socket], {
      uid: 65534,
      gid: 65534,
      cwd: join(import.meta.dirname, ".."),
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += d));
    await new Promise((resolve) => child.once("exit", resolve));
    expect(JSON.parse(stdout)).toEqual([ErrorCode.ERROR_CODE_NOT_ALLOWED, "ok"]);
  });

  it("answers pipelined requests in order, each with its own id", async () => {
    const client = await connect();
    const names = ["shared", "host", "nope", "shared", "lab1"];
    const results = await Promise.allSettled(names.map((n) => client.acquireNetwork(n)));
    expect(results.map((r) => (r.status === "fulfilled" ? r.value.name : (r.reason as BrokerError).code))).toEqual([
      "shared",
      "host",
      ErrorCode.ERROR_CODE_NOT_FOUND,
      "shared",
      "lab1",
    ]);
  });

  it("reports the peer, its networks and the counters in status", async () => {
    const client = await connect();
    await client.hello?.();
    await client.acquireNetwork("shared");
    const status = await broker.status();
    expect(status.platform).toBe("linux");
    expect(status.peers.some((p) => p.networks.includes("shared") && p.uid === 0)).toBe(true);
    expect(status.counters?.acquires).toBeGreaterThan(0n);
  });
});
