// SPDX-License-Identifier: Apache-2.0
// What the broker answers, field by field and message by message: the error texts
// a client shows its user, the fds that go with each reply, hello's fields.
import { closeSync, fstatSync, openSync } from "node:fs";
import { ErrorCode, type Reply, Request } from "@vmnet-broker/client/protocol";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BUILTIN_NETWORKS } from "../config/builtin.js";
import type { LoadedConfig } from "../config/load.js";
import type { NetworkConfig } from "../config/network-config.js";
import { type BackendNetwork, CreateFailure, Unsupported, type VethOptions } from "./backend.js";
import { FakeBackend, makeBroker } from "./fake-backend.test-util.js";
import type { PeerConnection } from "./peer.js";

const alice = { uid: 1000, gid: 1000, pid: 77 };
const acquireRequest = (networkName: string) => Request.create({ id: 3, command: { $case: "acquire", value: { networkName } } });
const openRequest = (networkName: string, kind: unknown) =>
  Request.create({ id: 4, command: { $case: "openInterface", value: { networkName, kind: kind as never } } });
const tapKind = (value: Record<string, unknown> = {}) => ({ $case: "tap", value: { vnetHeader: false, queues: 1, ...value } });
const vethKind = (ifname: string) => ({ $case: "veth", value: { ifname } });
const errorOf = (reply: Reply) =>
  reply.result?.$case === "error" ? { code: reply.result.value.code, message: reply.result.value.message } : undefined;
const fdOpen = (fd: number) => {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
};

function configWith(...extra: NetworkConfig[]): LoadedConfig {
  return { networks: new Map([...BUILTIN_NETWORKS, ...extra].map((n) => [n.name, n])), errors: [], broken: new Set(["broken"]) };
}

describe("Broker replies", () => {
  let backend: FakeBackend;
  beforeEach(() => {
    vi.useFakeTimers();
    backend = new FakeBackend();
  });
  afterEach(() => vi.useRealTimers());

  it("sends no fds with hello, acquire and status replies", async () => {
    const peer = makeBroker(backend).connect(alice, "unix");
    const hello = await peer.handle(
      Request.create({ id: 1, command: { $case: "hello", value: { protocolVersion: 1, clientName: "c" } } }),
      [],
    );
    const acquired = await peer.handle(acquireRequest("shared"), []);
    const status = await peer.handle(Request.create({ id: 2, command: { $case: "status", value: {} } }), []);
    expect([hello.reply.result?.$case, acquired.reply.result?.$case, status.reply.result?.$case]).toEqual(["hello", "network", "status"]);
    expect([hello.fds, acquired.fds, status.fds]).toEqual([[], [], []]);
  });

  it("answers hello with at least protocol 1, the broker's version and platform, and keeps 64 characters of the client's name", async () => {
    const broker = makeBroker(backend, { version: "9.9.9" });
    const peer = broker.connect(alice, "unix");
    const out = await peer.handle(
      Request.create({ id: 1, command: { $case: "hello", value: { protocolVersion: 0, clientName: "n".repeat(100) } } }),
      [],
    );
    expect(out.reply.result).toMatchObject({
      $case: "hello",
      value: { protocolVersion: 1, brokerVersion: "9.9.9", platform: "linux", features: ["status", "tap"] },
    });
    expect((await broker.status()).peers[0]?.clientName).toBe("n".repeat(64));
  });

  it("names an unknown network, a broken one with a hint, and cuts long names", async () => {
    const peer = makeBroker(backend, { config: configWith() }).connect(alice, "unix");
    expect(errorOf((await peer.handle(acquireRequest(""), [])).reply)).toEqual({
      code: ErrorCode.ERROR_CODE_INVALID_REQUEST,
      message: "network_name is required",
    });
    expect(errorOf((await peer.handle(acquireRequest("broken"), [])).reply)).toEqual({
      code: ErrorCode.ERROR_CODE_NOT_FOUND,
      message: 'no network named "broken" (its configuration file has errors; see `vmnet-broker check-config`)',
    });
    expect(errorOf((await peer.handle(acquireRequest("x".repeat(70)), [])).reply)).toEqual({
      code: ErrorCode.ERROR_CODE_NOT_FOUND,
      message: `no network named "${"x".repeat(64)}"`,
    });
  });

  it("names the uid and the network it refuses", async () => {
    const lab: NetworkConfig = { ...BUILTIN_NETWORKS[0]!, name: "lab", allowedUids: new Set([1001]) };
    const peer = makeBroker(backend, { config: configWith(lab) }).connect(alice, "unix");
    expect(errorOf((await peer.handle(acquireRequest("lab"), [])).reply)).toEqual({
      code: ErrorCode.ERROR_CODE_NOT_ALLOWED,
      message: "uid 1000 is not allowed to use network 'lab'",
    });
  });

  it("refuses fds on requests that take none, and interfaces on networks not acquired", async () => {
    const peer = makeBroker(backend).connect(alice, "unix");
    const fd = openSync("/dev/null", "r");
    expect(errorOf((await peer.handle(openRequest("shared", tapKind()), [fd])).reply)).toEqual({
      code: ErrorCode.ERROR_CODE_INVALID_REQUEST,
      message: "this request must not carry file descriptors",
    });
    expect(fdOpen(fd)).toBe(false);
    expect(errorOf((await peer.handle(openRequest("y".repeat(70), tapKind()), [])).reply)).toEqual({
      code: ErrorCode.ERROR_CODE_NOT_ALLOWED,
      message: `acquire network '${"y".repeat(64)}' on this connection before opening an interface on it`,
    });
  });

  it("checks a TAP request's queues, holder and kind", async () => {
    const peer = makeBroker(backend).connect(alice, "unix");
    await peer.handle(acquireRequest("shared"), []);
    const answer = async (kind: unknown) => errorOf((await peer.handle(openRequest("shared", kind), [])).reply);
    expect(await answer(tapKind({ queues: 17 }))).toEqual({ code: ErrorCode.ERROR_CODE_INVALID_REQUEST, message: "queues must be 1..16" });
    expect(await answer(tapKind({ named: true, holder: 2 }))).toEqual({
      code: ErrorCode.ERROR_CODE_INVALID_REQUEST,
      message: "a named TAP is held by its connection; holder=interface is refused",
    });
    expect(await answer(tapKind({ holder: 9 }))).toEqual({ code: ErrorCode.ERROR_CODE_INVALID_REQUEST, message: "unknown holder 9" });
    expect(await answer(undefined)).toEqual({ code: ErrorCode.ERROR_CODE_INVALID_REQUEST, message: "open_interface needs tap or veth" });
    const sixteen = await peer.handle(openRequest("shared", tapKind({ queues: 16 })), []);
    expect(sixteen.fds).toHaveLength(16);
    for (const fd of sixteen.fds) closeSync(fd);
    const one = await peer.handle(openRequest("shared", tapKind({ queues: 0 })), []);
    expect(one.fds).toHaveLength(1);
    closeSync(one.fds[0]!);
  });

  it("names the platform that lacks TAP or veth", async () => {
    const peer = makeBroker(backend).connect(alice, "unix");
    await peer.handle(acquireRequest("shared"), []);
    (backend.created[0] as BackendNetwork).openTap = undefined;
    expect(errorOf((await peer.handle(openRequest("shared", tapKind()), [])).reply)).toEqual({
      code: ErrorCode.ERROR_CODE_UNSUPPORTED,
      message: "TAP interfaces are not supported on linux",
    });
    expect(errorOf((await peer.handle(openRequest("shared", vethKind("eth0")), [openSync("/dev/null", "r")])).reply)).toEqual({
      code: ErrorCode.ERROR_CODE_UNSUPPORTED,
      message: "veth interfaces are not supported on linux",
    });
  });

  describe("veth", () => {
    let peer: PeerConnection;
    let asked: VethOptions[];
    beforeEach(async () => {
      peer = makeBroker(backend).connect(alice, "unix");
      await peer.handle(acquireRequest("shared"), []);
      asked = [];
      (backend.created[0] as BackendNetwork).openVeth = async (options) => {
        asked.push(options);
        closeSync(options.netnsFd);
        return { name: "veth-x", peerIfname: options.ifname, mac: "52:54:00:aa:bb:cc", fds: [] };
      };
    });

    it.each(["eth0", "e", "enp0s1.100", "a_b-c", "x".repeat(15), "9net"])("takes ifname %j", async (ifname) => {
      const out = await peer.handle(openRequest("shared", vethKind(ifname)), [openSync("/dev/null", "r")]);
      expect(out.reply.result).toMatchObject({ $case: "interface", value: { peerIfname: ifname, kind: 2 } });
      expect(asked).toMatchObject([{ ifname, peerUid: 1000 }]);
    });

    it("names eth0 when the request names none", async () => {
      await peer.handle(openRequest("shared", vethKind("")), [openSync("/dev/null", "r")]);
      expect(asked).toMatchObject([{ ifname: "eth0" }]);
    });

    it.each(["-eth0", ".eth0", "eth0!", "eth 0", "x".repeat(16), "eth0\n"])("refuses ifname %j", async (ifname) => {
      const fd = openSync("/dev/null", "r");
      const out = await peer.handle(openRequest("shared", vethKind(ifname)), [fd]);
      expect(errorOf(out.reply)).toEqual({
        code: ErrorCode.ERROR_CODE_INVALID_REQUEST,
        message: `ifname ${JSON.stringify(ifname)} is not a valid interface name`,
      });
      expect(fdOpen(fd)).toBe(false);
      expect(asked).toEqual([]);
    });

    it("shows at most 32 characters of a bad ifname", async () => {
      const out = await peer.handle(openRequest("shared", vethKind(`-${"z".repeat(40)}`)), [openSync("/dev/null", "r")]);
      expect(errorOf(out.reply)?.message).toBe(`ifname ${JSON.stringify(`-${"z".repeat(31)}`)} is not a valid interface name`);
    });

    it("counts the namespace fds it got", async () => {
      const fds = [openSync("/dev/null", "r"), openSync("/dev/null", "r")];
      expect(errorOf((await peer.handle(openRequest("shared", vethKind("eth0")), fds)).reply)).toEqual({
        code: ErrorCode.ERROR_CODE_INVALID_REQUEST,
        message: "a veth request carries exactly one network namespace fd, not 2",
      });
      expect(errorOf((await peer.handle(openRequest("shared", vethKind("eth0")), [])).reply)?.message).toBe(
        "a veth request carries exactly one network namespace fd, not 0",
      );
      expect(fds.map(fdOpen)).toEqual([false, false]);
    });
  });

  it("maps backend failures to their codes, keeping the message", async () => {
    const peer = makeBroker(backend).connect(alice, "unix");
    backend.failNext = "no bridge today";
    expect(errorOf((await peer.handle(acquireRequest("shared"), [])).reply)).toEqual({
      code: ErrorCode.ERROR_CODE_CREATE_FAILURE,
      message: "no bridge today",
    });
    await peer.handle(acquireRequest("shared"), []);
    (backend.created[0] as BackendNetwork).openTap = () => Promise.reject(new Unsupported("no tun"));
    expect(errorOf((await peer.handle(openRequest("shared", tapKind()), [])).reply)).toEqual({
      code: ErrorCode.ERROR_CODE_UNSUPPORTED,
      message: "no tun",
    });
    (backend.created[0] as BackendNetwork).openTap = () => Promise.reject(new CreateFailure("tun busy"));
    expect(errorOf((await peer.handle(openRequest("shared", tapKind()), [])).reply)).toEqual({
      code: ErrorCode.ERROR_CODE_CREATE_FAILURE,
      message: "tun busy",
    });
    (backend.created[0] as BackendNetwork).openTap = () => Promise.reject("a string");
    expect(errorOf((await peer.handle(openRequest("shared", tapKind()), [])).reply)).toEqual({
      code: ErrorCode.ERROR_CODE_INTERNAL_ERROR,
      message: "a string",
    });
  });
});
