// SPDX-License-Identifier: Apache-2.0
// A TAP by name, as VMMs that open TAPs themselves use it: `vmnet-broker run
// --tap-name` as an unprivileged uid, and an unmodified QEMU opening the TAP
// by name (-netdev tap,ifname=...) as that uid; frames reach the bridge (DHCP,
// ping). Another uid cannot attach to it, and it is gone when run exits.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, TestBroker } from "../harness/broker.js";
import { asUser, type ByName, guestArgs, runAs, userTunNode, VM_UID } from "./qemu.js";

const OTHER_UID = 4343;

describe("TAPs by name (vmnet-broker run --tap-name)", () => {
  let broker: TestBroker;
  // TAP names are per network namespace: the VMMs run in the broker's.
  let byName: ByName;
  beforeAll(async () => {
    broker = await TestBroker.start({ idleDelayMs: 500 });
    byName = { netnsPid: broker.pid, tun: userTunNode(broker.dir) };
  });
  afterAll(() => broker?.dispose());

  const run = (...command: string[]) => [
    process.execPath,
    CLI,
    "run",
    "--socket",
    broker.socket,
    "--network",
    "shared",
    "--tap-name",
    "--",
    ...command,
  ];

  it("lets its owner's QEMU open it by name: the guest leases an address and pings the gateway", async () => {
    const result = await runAs(
      VM_UID,
      run("qemu-system-x86_64", ...guestArgs("tap,id=n0,ifname={tap},script=no,downscript=no", "52:54:00:42:00:03")),
      {},
      byName,
    );
    console.log(`named-TAP guest: ${result.seconds.toFixed(1)} s from run start to power off`);
    expect(result.results.get("done"), `${result.stdout}\n${result.stderr}`).toBeDefined();
    expect(result.results.get("lease")).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(result.results.get("ping-gateway")).toMatch(/^ok /);
    expect(result.code).toBe(0);
    // run's connection held the TAP; it is removed with it.
    expect(broker.links().filter((l) => l.startsWith("vmtap-"))).toEqual([]);
  }, 300_000);

  it("refuses another uid (TUNSETIFF EPERM) while its owner holds it, and removes it when run ends", async () => {
    // The owner holds a named TAP; the command prints its name and waits.
    const [file, ...args] = asUser(VM_UID, run("sh", "-c", 'echo "$VMNET_BROKER_TAP_NAME {tap}"; exec sleep 60'), byName) as [
      string,
      ...string[],
    ];
    const holder = spawn(file, args, { stdio: ["ignore", "pipe", "inherit"] });
    const [line] = (await once(holder.stdout.setEncoding("utf8"), "data")) as [string];
    const [fromEnv, fromArg] = line.trim().split(" ");
    expect(fromEnv).toMatch(/^vmtap-[0-9a-f]{8}$/);
    expect(fromArg).toBe(fromEnv);
    const name = fromEnv as string;
    expect(broker.links()).toContain(name);

    const intruder = await runAs(
      OTHER_UID,
      ["qemu-system-x86_64", ...guestArgs(`tap,id=n0,ifname=${name},script=no,downscript=no`, "52:54:00:42:00:04")],
      {},
      byName,
    );
    expect(intruder.code).not.toBe(0);
    expect(intruder.stderr).toMatch(new RegExp(`could not configure /dev/net/tun \\(${name}\\): Operation not permitted`));

    holder.kill("SIGTERM");
    await once(holder, "exit");
    await broker.waitFor(() => !broker.links().includes(name), `${name} to be removed`);
  }, 120_000);
});
