// SPDX-License-Identifier: Apache-2.0
// The veth namespace rule from the attacker's side: an unprivileged peer (uid 4242)
// asks the real daemon (`serve --host` inside a namespace this test made) to put a
// veth end into namespaces it does not own. "The host" is a root-owned namespace
// this test made too, never the machine's own: were the rule broken, the veth would
// land there. A root bystander's lease, TAP and veth must survive every attempt.
import { execFileSync, spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import { type BrokerClient, ErrorCode, type TapInterface, type VethInterface } from "@vmnet-broker/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestBroker } from "./harness/broker.js";
import { addNetns, removeNetns } from "./harness/named-netns.js";

const ns = (role: string) => `vmnet-broker-vethns-${role}-${process.pid}`;
const BROKER_NS = ns("broker");
const HOST_NS = ns("host");
const GUEST_NS = ns("guest");
const HOSTILE = ["setpriv", "--reuid", "4242", "--regid", "4242", "--clear-groups", "--"];
/** uid 4242 inside a user and network namespace of its own. */
const HOSTILE_IN_OWN_NS = [...HOSTILE, "unshare", "--user", "--map-root-user", "--net", "--"];

/** What the hostile program saw: a refusal, or the veth and its namespace's links. */
type Outcome = { code: number; message: string } | { name: string; peerIfname: string; links: string[] };

// Acquires "lab" and asks for a veth named argv[3] into argv[2] ("self": its own
// namespace, whose links it then lists).
const PROGRAM = `
import { execFileSync } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { BrokerClient } from "@vmnet-broker/client";
const [socketPath, target, ifname] = process.argv.slice(1);
const client = await BrokerClient.connect({ socketPath });
let out;
try {
  await client.acquireNetwork("lab");
  const fd = openSync(target === "self" ? "/proc/self/ns/net" : target, "r");
  try {
    const veth = await client.openVeth("lab", fd, ifname);
    const links = target === "self" ? JSON.parse(execFileSync("ip", ["-j", "link", "show"], { encoding: "utf8" })).map((l) => l.ifname) : [];
    out = { name: veth.name, peerIfname: veth.peerIfname, links };
  } finally {
    closeSync(fd);
  }
} catch (error) {
  out = { code: error.code, message: error.message };
}
client.close();
console.log(JSON.stringify(out));
`;

function linksIn(netns: string): string[] {
  return execFileSync("ip", ["-n", netns, "-o", "link", "show"], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.split(": ")[1]?.split("@")[0] ?? "")
    .filter(Boolean)
    .sort();
}

describe("veth namespace rule (live broker, --host in a test namespace)", () => {
  let broker: TestBroker;
  let bystander: BrokerClient;
  let tap: TapInterface;
  let veth: VethInterface;
  let baseline: string[];

  beforeAll(async () => {
    for (const name of [BROKER_NS, HOST_NS, GUEST_NS]) {
      addNetns(name);
    }
    broker = await TestBroker.start({
      inNetns: BROKER_NS,
      // lab2 (acquired once below) goes soon after; the bystander keeps lab.
      idleDelayMs: 200,
      extraArgs: ["--socket-mode", "0666"],
      networks: { lab: { mode: "host" }, lab2: { mode: "host" } },
    });
    bystander = await broker.connect();
    await bystander.acquireNetwork("lab");
    tap = await bystander.openTap("lab", { queues: 1 });
    const fd = openSync(`/run/netns/${GUEST_NS}`, "r");
    try {
      veth = await bystander.openVeth("lab", fd, "eth0");
    } finally {
      closeSync(fd);
    }
    baseline = broker.links().sort();
  });

  afterAll(async () => {
    bystander?.close();
    for (const fd of tap?.fds ?? []) closeSync(fd);
    await broker?.dispose();
    for (const name of [BROKER_NS, HOST_NS, GUEST_NS]) {
      // Whatever a failed test left running in the namespace goes first.
      removeNetns(name);
    }
  });

  async function run(prefix: readonly string[], target: string, ifname: string): Promise<Outcome> {
    const [file, ...args] = [...prefix, process.execPath, "--input-type=module", "-e", PROGRAM, broker.socket, target, ifname];
    const child = spawn(file as string, args, { cwd: join(import.meta.dirname, ".."), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const code = await new Promise((resolve) => child.once("exit", resolve));
    if (code !== 0 || stdout === "") throw new Error(`hostile program exited ${code}: ${stderr}`);
    return JSON.parse(stdout) as Outcome;
  }

  /** The bystander still holds lab with its TAP and veth, and nothing else is left. */
  async function expectNothingChanged(): Promise<void> {
    const status = await broker.waitFor(
      (s) => s.networks.find((n) => n.network?.name === "lab")?.references === 1,
      "the hostile peer's release",
    );
    const lab = status.networks.find((n) => n.network?.name === "lab");
    expect(lab?.interfaces.map((i) => i.name).sort()).toEqual([tap.name, veth.name].sort());
    expect(broker.links().sort()).toEqual(baseline);
    expect(linksIn(GUEST_NS)).toEqual(["eth0", "lo"]);
    expect(linksIn(HOST_NS)).toEqual(["lo"]);
  }

  it("refuses uid 4242 a root-owned namespace (the host), naming both uids", async () => {
    const outcome = await run(HOSTILE, `/run/netns/${HOST_NS}`, "eth9");
    expect(outcome).toMatchObject({ code: ErrorCode.ERROR_CODE_NOT_ALLOWED });
    expect(outcome).toHaveProperty(
      "message",
      expect.stringMatching(/is owned by uid 0, not by uid 4242: a veth can only go into a namespace your user owns/),
    );
    await expectNothingChanged();
  });

  it("refuses uid 4242 the broker's own namespace, so it cannot take the name of a future bridge", async () => {
    const outcome = await run(HOSTILE, `/run/netns/${BROKER_NS}`, "eth9");
    expect(outcome).toMatchObject({ code: ErrorCode.ERROR_CODE_NOT_ALLOWED });
    expect(outcome).toHaveProperty("message", expect.stringMatching(/is the broker's own network namespace/));
    const squat = await run(HOSTILE, `/run/netns/${BROKER_NS}`, "vmbr-lab2");
    expect(squat).toMatchObject({ code: ErrorCode.ERROR_CODE_NOT_ALLOWED });
    await expectNothingChanged();
    // The name it wanted is still free for the network it belongs to.
    const client = await broker.connect();
    try {
      expect((await client.acquireNetwork("lab2")).bridge).toBe("vmbr-lab2");
    } finally {
      client.close();
    }
    await broker.waitFor((s) => !s.networks.some((n) => n.network?.name === "lab2" && n.live), "lab2's removal");
  });

  it("refuses the broker's reserved names, even in the peer's own namespace and even to root", async () => {
    for (const ifname of ["vmbr-lab2", "vmtap-0", "vmveth-1", "vmvx-lab2"]) {
      const outcome = await run(HOSTILE_IN_OWN_NS, "self", ifname);
      expect(outcome).toMatchObject({ code: ErrorCode.ERROR_CODE_NOT_ALLOWED });
      expect(outcome).toHaveProperty("message", expect.stringMatching(/names starting with vmbr-, vmtap-, vmveth- or vmvx- are reserved/));
    }
    const fd = openSync(`/run/netns/${HOST_NS}`, "r");
    try {
      const error = await bystander.openVeth("lab", fd, "vmveth-1").catch((e: unknown) => e);
      expect(error).toMatchObject({ code: ErrorCode.ERROR_CODE_NOT_ALLOWED });
    } finally {
      closeSync(fd);
    }
    await expectNothingChanged();
  });

  it("answers an fd that is no network namespace with INVALID_REQUEST", async () => {
    const outcome = await run(HOSTILE, "/dev/null", "eth9");
    expect(outcome).toMatchObject({ code: ErrorCode.ERROR_CODE_INVALID_REQUEST });
    expect(outcome).toHaveProperty("message", expect.stringMatching(/must be a network namespace/));
    await expectNothingChanged();
  });

  it("gives uid 4242 a veth in a namespace it owns, and takes it back when it leaves", async () => {
    const outcome = await run(HOSTILE_IN_OWN_NS, "self", "eth9");
    expect(outcome).toMatchObject({ peerIfname: "eth9", name: expect.stringMatching(/^vmveth-/) });
    expect(outcome).toHaveProperty("links", expect.arrayContaining(["eth9"]));
    // The near end was on the bridge while the peer held it; it is gone with the peer.
    await broker.waitFor(() => broker.links().sort().join() === baseline.join(), "the near end's removal");
    await expectNothingChanged();
  });
});
