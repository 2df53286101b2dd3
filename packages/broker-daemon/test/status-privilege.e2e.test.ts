// SPDX-License-Identifier: Apache-2.0
// status by privilege against the real daemon: an unprivileged user sees only its
// own part while root holds a lease and a TAP; root sees everything; and a hostile
// configuration directory (a symlink to a secret, a FIFO, /dev/zero, a huge file)
// neither hangs the daemon on SIGHUP nor leaks the secret into status or the log.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { closeSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { BrokerClient } from "@vmnet-broker/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquireDhcpLease, createGuest, type Guest } from "../src/sandbox/index.js";
import { CLI, TestBroker } from "./harness/broker.js";

const run = promisify(execFile);
const USER = 4242;
const asUser = ["--reuid", String(USER), "--regid", String(USER), "--clear-groups", process.execPath, CLI];

describe("status by privilege (live broker)", () => {
  let broker: TestBroker;
  let root: BrokerClient;
  let guest: Guest;
  let tapFds: readonly number[] = [];
  let holder: ChildProcess;
  let secretDir: string;
  const secret = `SECRET-${process.pid}-${Date.now()}`;
  let rootLease: { ip: string; mac: string };

  const statusJson = async (unprivileged: boolean) => {
    const args = ["status", "--json", "--socket", broker.socket];
    const { stdout } = unprivileged ? await run("setpriv", [...asUser, ...args]) : await run(process.execPath, [CLI, ...args]);
    return { text: stdout, status: JSON.parse(stdout) };
  };

  beforeAll(async () => {
    secretDir = mkdtempSync(join(tmpdir(), "vmnet-broker-secret-"));
    writeFileSync(join(secretDir, "shadow"), `root:${secret}:19000:0:99999:7:::\n`, { mode: 0o600 });
    broker = await TestBroker.start({
      networks: {
        rootonly: { mode: "host", allowed_users: [0] },
        // Its forwards name a guest of root's: not for uid 4242's eyes.
        rootfwd: {
          mode: "shared",
          subnet: "192.168.78.0",
          mask: "255.255.255.0",
          allowed_users: [0],
          port_forwarding: [{ protocol: "tcp", external_port: 47123, internal_address: "192.168.78.10", internal_port: 22 }],
        },
      },
      extraArgs: ["--socket-mode", "0666"],
    });
    // root: shared with a veth into a guest that takes a DHCP lease, and a TAP.
    root = await broker.connect();
    await root.acquireNetwork("shared");
    guest = await createGuest("status-guest");
    const netns = guest.openNetnsFd();
    try {
      await root.openVeth("shared", netns, "eth0");
    } finally {
      closeSync(netns);
    }
    const lease = await acquireDhcpLease(guest, "eth0");
    const mac = /link\/ether (\S+)/.exec(await guest.run("ip", ["link", "show", "dev", "eth0"]))?.[1] as string;
    rootLease = { ip: lease.ip, mac };
    tapFds = (await root.openTap("shared")).fds;
    // The unprivileged user holds shared too, from a connection of its own.
    holder = spawn("setpriv", [...asUser, "acquire", "--socket", broker.socket, "shared"], { stdio: ["ignore", "pipe", "pipe"] });
    await broker.waitFor((s) => s.peers.some((p) => p.uid === USER && p.networks.includes("shared")), "the unprivileged holder");
  });

  afterAll(async () => {
    holder?.kill("SIGTERM");
    for (const fd of tapFds) closeSync(fd);
    root?.close();
    await guest?.remove();
    await broker?.dispose();
    rmSync(secretDir, { recursive: true, force: true });
  });

  it("shows an unprivileged user only its own part", async () => {
    const { text, status } = await statusJson(true);
    expect(status.view_filtered).toBe(true);
    expect(status.networks.map((n: { network: { name: string } }) => n.network.name).sort()).toEqual(["host", "shared"]);
    const shared = status.networks.find((n: { network: { name: string } }) => n.network.name === "shared");
    expect(shared.references).toBe(2);
    expect(shared.peer_ids).toHaveLength(1);
    expect(shared.interfaces).toEqual([]);
    expect(shared.leases).toEqual([]);
    expect(status.peers).toHaveLength(1);
    expect(status.peers[0]).toMatchObject({ uid: USER, id: shared.peer_ids[0], networks: ["shared"] });
    expect(status.counters).toBeUndefined();
    expect(status.config_errors).toEqual([]);
    // Nothing of root's: its lease, MAC, pid, nor the configuration's paths.
    for (const hidden of [
      rootLease.ip,
      rootLease.mac,
      `"pid": ${process.pid}`,
      "rootonly",
      "rootfwd",
      "47123",
      "192.168.78.10",
      broker.dir,
    ])
      expect(text).not.toContain(hidden);
    const { stdout } = await run("setpriv", [...asUser, "status", "--socket", broker.socket]);
    expect(stdout).toMatch(/Filtered view/);
    expect(stdout).not.toContain("COUNTERS");
  });

  it("shows root everything, with names for uids and configured networks that are not live", async () => {
    const { text, status } = await statusJson(false);
    expect(status.view_filtered).toBe(false);
    // What uid 4242 did not see is there: the hidden checks above are not vacuous.
    for (const shown of ["rootfwd", "47123", "192.168.78.10"]) expect(text).toContain(shown);
    const shared = status.networks.find((n: { network: { name: string } }) => n.network.name === "shared");
    expect(shared.peer_ids).toHaveLength(2);
    expect(shared.leases.map((l: { ip: string }) => l.ip)).toContain(rootLease.ip);
    expect(shared.interfaces.map((i: { kind: string; owner_uid: number }) => [i.kind, i.owner_uid]).sort()).toEqual([
      ["tap", 0],
      ["veth", 0],
    ]);
    expect(status.networks.find((n: { network: { name: string } }) => n.network.name === "rootonly")).toMatchObject({ live: false });
    expect(status.peers.map((p: { uid: number }) => p.uid).sort()).toEqual([0, USER]);
    expect(status.counters.acquires).toBeGreaterThanOrEqual(2);
    const { stdout } = await run(process.execPath, [CLI, "status", "--socket", broker.socket]);
    expect(stdout).not.toMatch(/Filtered view/);
    expect(stdout).toMatch(/^\S+\s+root\s/m);
    expect(stdout).toMatch(/rootonly .* not live/);
  });

  it("survives a hostile configuration directory on SIGHUP and never shows the secret", async () => {
    const conf = join(broker.dir, "conf");
    symlinkSync(join(secretDir, "shadow"), join(conf, "x.json"));
    symlinkSync("/dev/zero", join(conf, "zero.json"));
    await run("mkfifo", [join(conf, "fifo.json")]);
    writeFileSync(join(conf, "big.json"), JSON.stringify({ mode: "host", description: "d".repeat(5 * 1024 * 1024) }));
    writeFileSync(join(conf, "a.json"), JSON.stringify({ mode: "host", subnet: "192.168.50.0", mask: "255.255.255.0" }));
    writeFileSync(join(conf, "b.json"), JSON.stringify({ mode: "host", subnet: "192.168.50.128", mask: "255.255.255.128" }));
    const reloads = () => broker.log.filter((l) => l.includes("event=config-reloaded")).length;
    const before = reloads();
    process.kill(broker.pid, "SIGHUP");
    process.kill(broker.pid, "SIGHUP");
    const { status, text } = await (async () => {
      const deadline = Date.now() + 15_000;
      while (reloads() < before + 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      return statusJson(false);
    })();
    const errors = status.config_errors.join("\n");
    expect(errors).toMatch(/x\.json: is a symbolic link/);
    expect(errors).toMatch(/zero\.json: is a symbolic link/);
    expect(errors).toMatch(/fifo\.json: is not a regular file \(a FIFO\)/);
    expect(errors).toMatch(/big\.json: is larger than 64 KiB/);
    expect(errors).toMatch(/b\.json: subnet 192\.168\.50\.128\/25 of 'b' overlaps 192\.168\.50\.0\/24 of 'a' \(.*a\.json\)/);
    const unprivileged = await statusJson(true);
    const check = await run(process.execPath, [CLI, "check-config", "--config-dir", conf]).catch(
      (e: { code: number; stdout: string }) => e,
    );
    expect((check as { code: number }).code).toBe(1);
    expect((check as { stdout: string }).stdout).toMatch(/fifo\.json: is not a regular file/);
    for (const output of [text, unprivileged.text, (check as { stdout: string }).stdout, broker.log.join("\n")]) {
      expect(output).not.toContain(secret);
      expect(output).not.toContain("ddddddddd");
    }
    // Still serving: a new peer acquires a network that was there before.
    const client = await broker.connect();
    await expect(client.acquireNetwork("host")).resolves.toMatchObject({ name: "host" });
    client.close();
  });

  it("check-config fails clearly for a directory that does not exist", async () => {
    const failure = await run(process.execPath, [CLI, "check-config", "--config-dir", "/nonexistent/vmnet-broker.d"]).catch(
      (e: { code: number; stdout: string }) => e,
    );
    expect((failure as { code: number }).code).toBe(1);
    expect((failure as { stdout: string }).stdout).toMatch(/\/nonexistent\/vmnet-broker\.d: cannot read the directory: it does not exist/);
  });
});
