// SPDX-License-Identifier: Apache-2.0
// The broker's log lines, event by event with their fields: admins grep them
// (`event=request-failed code=...`, `event=interface-opened peer=...`), so their
// names, levels and fields are part of the product.
import { closeSync } from "node:fs";
import { ErrorCode, type Reply, Request } from "@vmnet-broker/client/protocol";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BUILTIN_NETWORKS } from "../config/builtin.js";
import type { LoadedConfig } from "../config/load.js";
import type { NetworkConfig } from "../config/network-config.js";
import type { LogFields, Logger, LogLevel } from "../log.js";
import type { AdoptedNetwork, BackendNetwork } from "./backend.js";
import { FakeBackend, FakeNetwork, makeBroker } from "./fake-backend.test-util.js";
import type { PeerConnection } from "./peer.js";

interface Line {
  level: LogLevel;
  event: string;
  fields: LogFields | undefined;
}

function recordingLogger(): Logger & { lines: Line[]; events: (event: string) => Line[] } {
  const lines: Line[] = [];
  return {
    lines,
    log: (level, event, fields) => void lines.push({ level, event, fields }),
    events: (event) => lines.filter((l) => l.event === event),
  };
}

const alice = { uid: 1000, gid: 1000, pid: 77 };
const tap = (networkName: string, value: Record<string, unknown> = {}) =>
  Request.create({
    id: 9,
    command: { $case: "openInterface", value: { networkName, kind: { $case: "tap", value: { vnetHeader: false, queues: 1, ...value } } } },
  });
const acquireRequest = (networkName: string) => Request.create({ id: 3, command: { $case: "acquire", value: { networkName } } });
const errorOf = (reply: Reply) => (reply.result?.$case === "error" ? reply.result.value : undefined);

function configWith(...extra: NetworkConfig[]): LoadedConfig {
  return { networks: new Map([...BUILTIN_NETWORKS, ...extra].map((n) => [n.name, n])), errors: [], broken: new Set(["broken"]) };
}

describe("Broker log lines", () => {
  let backend: FakeBackend;
  let logger: ReturnType<typeof recordingLogger>;
  beforeEach(() => {
    vi.useFakeTimers();
    backend = new FakeBackend();
    logger = recordingLogger();
  });
  afterEach(() => vi.useRealTimers());

  it("logs a peer's whole life: connect, create, acquire, interface, release, removal", async () => {
    const broker = makeBroker(backend, { logger });
    const peer = broker.connect(alice, "xpc");
    expect(logger.lines).toEqual([
      { level: "info", event: "peer-connected", fields: { peer: 1n, uid: 1000, gid: 1000, pid: 77, transport: "xpc" } },
    ]);
    await peer.handle(acquireRequest("shared"), []);
    await peer.handle(acquireRequest("shared"), []);
    const opened = await peer.handle(tap("shared"), []);
    for (const fd of opened.fds) closeSync(fd);
    peer.close();
    await vi.advanceTimersByTimeAsync(1000);
    expect(logger.lines.slice(1)).toEqual([
      { level: "info", event: "network-created", fields: { network: "shared", bridge: "fake-shared", subnet: "10.9.0.0" } },
      { level: "info", event: "acquire", fields: { peer: 1n, uid: 1000, network: "shared", refs: 1, again: undefined } },
      { level: "info", event: "acquire", fields: { peer: 1n, uid: 1000, network: "shared", refs: 1, again: true } },
      {
        level: "info",
        event: "interface-opened",
        fields: {
          peer: 1n,
          network: "shared",
          kind: "tap",
          interface: "faketap0",
          fds: 1,
          vhost_fds: undefined,
          named: undefined,
          holder: "connection",
          guest_mac: expect.stringMatching(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/),
        },
      },
      { level: "info", event: "release", fields: { peer: 1n, network: "shared", refs: 0 } },
      { level: "info", event: "peer-disconnected", fields: { peer: 1n, networks: 1 } },
      { level: "info", event: "network-removed", fields: { network: "shared" } },
    ]);
    // Every field of the first acquire is present; "again" only when it is one.
    expect(logger.events("acquire")[0]?.fields).not.toHaveProperty("again", false);
  });

  it("logs vhost fds, named TAPs and the holder when there are any", async () => {
    backend.hasVhostNet = true;
    const broker = makeBroker(backend, { logger });
    const peer = broker.connect(alice, "unix");
    await peer.handle(acquireRequest("shared"), []);
    await peer.handle(tap("shared", { queues: 2, vhostNet: true }), []);
    await peer.handle(tap("shared", { named: true }), []);
    await peer.handle(
      Request.create({
        id: 5,
        command: { $case: "openInterface", value: { networkName: "shared", kind: { $case: "tap", value: { queues: 1, holder: 2 } } } },
      }),
      [],
    );
    expect(logger.events("interface-opened").map((l) => l.fields)).toMatchObject([
      { interface: "faketap0", fds: 2, vhost_fds: 2, named: undefined, holder: "connection" },
      { interface: "faketap1", fds: 0, vhost_fds: undefined, named: true, holder: "connection" },
      { interface: "faketap2", fds: 1, vhost_fds: undefined, named: undefined, holder: "interface" },
    ]);
  });

  it("logs a refused request at info and an internal error at error, with command, code and message", async () => {
    const broker = makeBroker(backend, { logger, config: configWith() });
    const peer = broker.connect(alice, "unix");
    await peer.handle(acquireRequest("nope"), []);
    await peer.handle(Request.create({ id: 4 }), []);
    await peer.handle(acquireRequest("shared"), []);
    backend.created[0]!.leases = () => Promise.resolve([]);
    (backend.created[0] as BackendNetwork).openTap = () => Promise.reject(new Error("kernel said no"));
    await peer.handle(tap("shared"), []);
    expect(logger.events("request-failed")).toEqual([
      {
        level: "info",
        event: "request-failed",
        fields: { peer: 1n, command: "acquire", code: "ERROR_CODE_NOT_FOUND", message: 'no network named "nope"' },
      },
      {
        level: "info",
        event: "request-failed",
        fields: { peer: 1n, command: "none", code: "ERROR_CODE_INVALID_REQUEST", message: "missing or unknown command" },
      },
      {
        level: "error",
        event: "request-failed",
        fields: { peer: 1n, command: "openInterface", code: "ERROR_CODE_INTERNAL_ERROR", message: "kernel said no" },
      },
    ]);
  });

  it("logs an interface whose link went away, and a record that could not be written", async () => {
    const broker = makeBroker(backend, { logger });
    const peer = broker.connect(alice, "unix");
    await peer.handle(acquireRequest("shared"), []);
    await peer.handle(tap("shared", { holder: 2 }), []);
    const network = backend.created[0] as FakeNetwork;
    network.noteInterfaces = () => Promise.reject(new Error("disk full"));
    backend.linkGone("faketap0");
    await vi.advanceTimersByTimeAsync(0);
    expect(logger.events("interface-gone")).toEqual([
      { level: "info", event: "interface-gone", fields: { network: "shared", interface: "faketap0", holder: "interface" } },
    ]);
    expect(logger.events("record-failed")).toEqual([
      { level: "error", event: "record-failed", fields: { network: "shared", message: "disk full" } },
    ]);
  });

  it("logs a reply too large to send and the interface it undid", async () => {
    const broker = makeBroker(backend, { logger });
    const peer = broker.connect(alice, "unix");
    await peer.handle(acquireRequest("shared"), []);
    (backend.created[0] as FakeNetwork).tapMac = "m".repeat(5 * 1024 * 1024);
    const out = await peer.handle(tap("shared"), []);
    expect(errorOf(out.reply)).toMatchObject({
      code: ErrorCode.ERROR_CODE_INTERNAL_ERROR,
      message: "the reply would exceed the protocol's size limit; nothing was changed",
    });
    expect(logger.events("interface-undone")).toEqual([
      { level: "info", event: "interface-undone", fields: { peer: 1n, network: "shared", interface: "faketap0" } },
    ]);
  });

  it("logs adopted networks, and says when the recorded definition differs or is gone", async () => {
    const lab: NetworkConfig = { ...BUILTIN_NETWORKS[0]!, name: "lab", source: "/etc/vmnet-broker.d/lab.json" };
    const adopted = (config: NetworkConfig, same: boolean): AdoptedNetwork => ({
      config,
      network: new FakeNetwork(config),
      interfaces: [
        { name: `tap-${config.name}`, kind: "tap", ownerUid: 1000, guestMac: "", mac: "" },
        { name: `veth-${config.name}`, kind: "veth", ownerUid: 1000, guestMac: "", mac: "" },
      ],
      sameDefinition: () => same,
    });
    const broker = makeBroker(backend, { logger, config: configWith(lab) });
    // The recorded definition is its own object: the configured one is used when they match.
    broker.adopt([
      adopted({ ...lab }, true),
      adopted({ ...lab, name: "gone" }, true),
      adopted({ ...BUILTIN_NETWORKS[1]!, mtu: 9000 }, false),
    ]);
    expect(logger.lines.filter((l) => l.event !== "record-failed")).toEqual([
      {
        level: "info",
        event: "network-adopted",
        fields: { network: "lab", bridge: "fake-lab", subnet: "10.9.0.0", interfaces: "tap-lab,veth-lab" },
      },
      { level: "warn", event: "adopted-config-differs", fields: { network: "gone", hint: "no longer configured" } },
      {
        level: "info",
        event: "network-adopted",
        fields: { network: "gone", bridge: "fake-gone", subnet: "10.9.0.0", interfaces: "tap-gone,veth-gone" },
      },
      {
        level: "warn",
        event: "adopted-config-differs",
        fields: { network: "host", hint: "configuration changed; the recorded one applies until the network is idle" },
      },
      {
        level: "info",
        event: "network-adopted",
        fields: { network: "host", bridge: "fake-host", subnet: "10.9.0.0", interfaces: "tap-host,veth-host" },
      },
    ]);
  });

  it("logs a network kept at shutdown for the next broker, with its interfaces", async () => {
    const broker = makeBroker(backend, { logger });
    const peer: PeerConnection = broker.connect(alice, "unix");
    await peer.handle(acquireRequest("shared"), []);
    await peer.handle(tap("shared", { holder: 2 }), []);
    broker.beginShutdown(true);
    peer.close();
    await broker.shutdown();
    expect(logger.events("network-kept")).toEqual([
      { level: "info", event: "network-kept", fields: { network: "shared", bridge: "fake-shared", interfaces: 1 } },
    ]);
  });
});
