// SPDX-License-Identifier: Apache-2.0
// The command line as scripts use it: status (table and JSON), run with a TAP fd
// inherited by a command, help and usage errors.
import { execFile, execFileSync, spawn } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, TestBroker } from "./harness/broker.js";

const run = promisify(execFile);

describe("vmnet-broker CLI (live broker)", () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await TestBroker.start({ idleDelayMs: 60_000 });
  });
  afterAll(async () => {
    await broker.dispose();
  });

  it("run --wrap: acquires, opens a TAP, passes it as fd 3 to the command, holds the lease while it runs", async () => {
    // The command checks fd 3 is a TUN/TAP device and reports what the broker set.
    const probe = `
      const fs = require("fs");
      const link = fs.readlinkSync("/proc/self/fd/3");
      const status = require("child_process").execFileSync(process.execPath, [${JSON.stringify(CLI)}, "status", "--json", "--socket", ${JSON.stringify(broker.socket)}], { encoding: "utf8" });
      const refs = JSON.parse(status).networks.find((n) => n.network.name === "shared").references;
      console.log(JSON.stringify({ link, fds: process.env.VMNET_BROKER_TAP_FDS, name: process.env.VMNET_BROKER_TAP_NAME, gw: process.env.VMNET_BROKER_GATEWAY, refs }));
      process.exit(7);`;
    const result = await run(process.execPath, [
      CLI,
      "run",
      "--wrap",
      "--socket",
      broker.socket,
      "--network",
      "shared",
      "--tap-fd",
      "3",
      "--",
      process.execPath,
      "-e",
      probe,
    ]).catch((e: { code: number; stdout: string }) => e);
    expect((result as { code: number }).code).toBe(7);
    const seen = JSON.parse((result as { stdout: string }).stdout);
    expect(seen.link).toBe("/dev/net/tun");
    expect(seen.fds).toBe("3");
    expect(seen.name).toMatch(/\S/);
    expect(seen.gw).toMatch(/\.1$/);
    expect(seen.refs).toBe(1);
    await broker.waitFor((s) => s.networks.find((n) => n.network?.name === "shared")?.references === 0, "release after run");
  });

  it("status --json is the protocol's Status in snake_case", async () => {
    const { stdout } = await run(process.execPath, [CLI, "status", "--json", "--socket", broker.socket]);
    const status = JSON.parse(stdout);
    expect(status).toMatchObject({ platform: "linux", counters: expect.objectContaining({ peers_connected: expect.any(Number) }) });
    expect(Array.isArray(status.networks)).toBe(true);
  });

  it("status names each client from its hello: the CLI and the TypeScript library", async () => {
    const holder = spawn(process.execPath, [CLI, "acquire", "--socket", broker.socket, "--until-stdin-closes", "shared"], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    const library = await broker.connect();
    try {
      await library.acquireNetwork("host");
      const status = await broker.waitFor((s) => s.peers.some((p) => p.clientName === "vmnet-broker-cli"), "the CLI's hello");
      expect(status.peers.map((p) => p.clientName).sort()).toEqual(["@vmnet-broker/client", "vmnet-broker-cli"]);
    } finally {
      holder.stdin?.end();
      await new Promise((r) => holder.once("exit", r));
      await library.close();
    }
  });

  it("status prints readable tables", async () => {
    const { stdout } = await run(process.execPath, [CLI, "status", "--socket", broker.socket]);
    expect(stdout).toMatch(/^vmnet-broker .* on linux/);
    expect(stdout).toContain("NETWORKS");
    expect(stdout).toContain("PEERS");
  });

  it("explains a missing broker clearly, exiting 1 (TRANSPORT_FAILURE)", async () => {
    const failure = await run(process.execPath, [CLI, "status", "--socket", "/nonexistent/broker.sock"]).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((failure as { code: number }).code).toBe(1);
    expect((failure as { stderr: string }).stderr).toMatch(/\/nonexistent\/broker\.sock/);
  });

  it("acquire of an unknown network prints the error and exits with NOT_FOUND's code (5)", async () => {
    // A timeout turns the old hang (the socket kept the process alive) into a failure.
    const failure = await run(process.execPath, [CLI, "acquire", "--socket", broker.socket, "no-such-network"], {
      timeout: 10_000,
    }).catch((e: { code: number | null; signal: string | null; stderr: string }) => e);
    expect(failure).toMatchObject({ code: 5, signal: null });
    expect((failure as { stderr: string }).stderr).toMatch(/NOT_FOUND/);
  });

  it("an empty VMNET_BROKER_SOCKET is unset: the default socket, not a path ''", async () => {
    const failure = await run(process.execPath, [CLI, "status"], { env: { ...process.env, VMNET_BROKER_SOCKET: "" } }).catch(
      (e: { stderr: string }) => e,
    );
    expect((failure as { stderr: string }).stderr).toMatch(/at \/run\/vmnet-broker\/broker\.sock/);
  });

  it("prints help and rejects unknown commands and flags with usage", () => {
    expect(execFileSync(process.execPath, [CLI, "--help"], { encoding: "utf8" })).toContain("Commands:");
    const serveHelp = execFileSync(process.execPath, [CLI, "serve", "--help"], { encoding: "utf8" });
    expect(serveHelp).toContain("--host");
    // The sandbox has no pid namespace any more (docs/sandbox.md says why).
    expect(serveHelp).not.toMatch(/\bpid\b/);
    for (const args of [["frobnicate"], ["status", "--bogus"], ["run", "--network", "shared"]]) {
      let code = 0;
      let stderr = "";
      try {
        execFileSync(process.execPath, [CLI, ...args], { encoding: "utf8", stdio: "pipe" });
      } catch (e) {
        code = (e as { status: number }).status;
        stderr = (e as { stderr: string }).stderr;
      }
      // 64 (EX_USAGE): 2 is INVALID_REPLY.
      expect(code).toBe(64);
      expect(stderr).toMatch(/Usage: vmnet-broker/);
    }
  });

  it("prints its version", () => {
    expect(execFileSync(process.execPath, [CLI, "--version"], { encoding: "utf8" })).toMatch(/^vmnet-broker \d+\.\d+\.\d+/);
  });
});
