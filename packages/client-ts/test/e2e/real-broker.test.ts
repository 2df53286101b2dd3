// SPDX-License-Identifier: Apache-2.0
/**
 * The client against the real daemon (`vmnet-broker serve`, which sandboxes
 * itself in a private network namespace). The veth test also makes a network
 * namespace of its own and removes it afterwards; nothing touches the host's
 * network.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BrokerClient, BrokerError, ErrorCodes } from "../../src/index.js";
import { closeAll } from "../../src/socket/framed-endpoint.js";

const daemonCli = join(import.meta.dirname, "../../../broker-daemon/dist/cli/main.js");
const netnsName = `vmnb-client-e2e-${process.pid}`;
let dir: string;
let socketPath: string;
let daemon: ChildProcess;
let daemonLog = "";

async function until<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  limitMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; daemon exit ${daemon?.exitCode}, log:\n${daemonLog}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function tryConnect(): Promise<BrokerClient | undefined> {
  try {
    return await BrokerClient.connect({ socketPath });
  } catch {
    return undefined;
  }
}

async function interfacesOn(network: string): Promise<number> {
  const client = await BrokerClient.connect({ socketPath });
  try {
    const status = await client.status();
    return status.networks.find((n) => n.network?.name === network)?.interfaces.length ?? 0;
  } finally {
    await client.close();
  }
}

beforeAll(async () => {
  if (!existsSync(daemonCli)) throw new Error(`${daemonCli} is missing: build broker-daemon first`);
  dir = mkdtempSync(join(tmpdir(), "vmnet-broker-client-e2e-"));
  socketPath = join(dir, "broker.sock");
  mkdirSync(join(dir, "conf"));
  daemon = spawn(
    process.execPath,
    [
      daemonCli,
      "serve",
      "--socket",
      socketPath,
      "--config-dir",
      join(dir, "conf"),
      "--runtime-dir",
      join(dir, "run"),
      "--idle-delay-ms",
      "200",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  daemon.stdout?.on("data", (chunk: Buffer) => (daemonLog += chunk.toString()));
  daemon.stderr?.on("data", (chunk: Buffer) => (daemonLog += chunk.toString()));
  const probe = await until(tryConnect, "the daemon to listen");
  await probe.close();
  execFileSync("ip", ["netns", "add", netnsName]);
}, 60_000);

afterAll(async () => {
  try {
    execFileSync("ip", ["netns", "del", netnsName], { stdio: "ignore" });
  } catch {
    // never created
  }
  if (daemon?.exitCode === null) {
    const exited = new Promise((resolve) => daemon.once("exit", resolve));
    daemon.kill("SIGTERM");
    const timer = setTimeout(() => daemon.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe("BrokerClient against vmnet-broker serve", () => {
  it("says hello and acquires the shared network", async () => {
    const client = await BrokerClient.connect({ socketPath });
    const hello = await client.hello();
    expect(hello).toMatchObject({ protocolVersion: 1, platform: "linux" });
    const network = await client.acquireNetwork("shared");
    expect(network).toMatchObject({ name: "shared", mode: "shared", mtu: 1500 });
    expect(network.gateway).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const error = await client.acquireNetwork("no-such-network").catch((e: unknown) => e);
    expect(BrokerError.is(error, ErrorCodes.NotFound)).toBe(true);
    await client.close();
  });

  it("opens a TAP whose fds arrive, and the TAP goes away with the connection", async () => {
    const client = await BrokerClient.connect({ socketPath });
    await client.acquireNetwork("host");
    const tap = await client.openTap("host", { queues: 2, vnetHeader: true });
    expect(tap.fds).toHaveLength(2);
    expect(tap.mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    expect(await interfacesOn("host")).toBe(1);
    closeAll(tap.fds);
    await client.close();
    await until(async () => ((await interfacesOn("host")) === 0 ? true : undefined), "the TAP to be removed");
  });

  it("moves a veth end into a namespace handed over as an fd, and removes it on close", async () => {
    const client = await BrokerClient.connect({ socketPath });
    const network = await client.acquireNetwork("host");
    const netns = openSync(`/run/netns/${netnsName}`, "r");
    const veth = await client.openVeth(network, netns, "eth7");
    closeSync(netns);
    expect(veth.peerIfname).toBe("eth7");
    const links = () => execFileSync("ip", ["-n", netnsName, "-br", "link"]).toString();
    expect(links()).toContain("eth7");
    await client.close();
    await until(() => (links().includes("eth7") ? undefined : true), "the veth to go");
  });
});
