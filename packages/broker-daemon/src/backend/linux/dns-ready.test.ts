// SPDX-License-Identifier: Apache-2.0
/** udpBound: the addon's sock_diag look-up and /proc/net/udp agree, on real sockets in a fresh namespace. */
import { createSocket, type Socket } from "node:dgram";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { enterPrivateNetworkNamespace } from "../../sandbox/test-netns.js";
import { listedInProc, udpBound } from "./dns-ready.js";
import { linuxNative } from "./native.js";
import { runTool } from "./run-tool.js";

let leave: (() => void) | undefined;
const sockets: Socket[] = [];
beforeEach(async () => {
  leave = enterPrivateNetworkNamespace();
  linuxNative().setUp("lo");
  await runTool("ip", ["addr", "add", "10.93.0.1/24", "dev", "lo"]);
});
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
  leave?.();
});

async function bound(address: string, port: number): Promise<void> {
  const socket = createSocket("udp4");
  sockets.push(socket);
  await new Promise<void>((resolve) => socket.bind({ address, port }, resolve));
}

describe("udpBound", () => {
  it("finds a socket bound to exactly that address and port, like /proc/net/udp", async () => {
    await bound("10.93.0.1", 5353);
    const native = linuxNative();
    expect(native.udpBound("10.93.0.1", 5353)).toBe(true);
    expect(listedInProc("10.93.0.1", 5353)).toBe(true);
    expect(native.udpBound("10.93.0.1", 5354)).toBe(false);
    expect(native.udpBound("127.0.0.1", 5353)).toBe(false);
    expect(udpBound("10.93.0.1", 5354)).toBe(false);
  });

  it("does not take a wildcard socket for the address", async () => {
    await bound("0.0.0.0", 5355);
    expect(linuxNative().udpBound("10.93.0.1", 5355)).toBe(false);
    expect(udpBound("10.93.0.1", 5355)).toBe(false);
  });

  it("refuses what is no IPv4 address and port", () => {
    expect(() => linuxNative().udpBound("fd00::1", 53)).toThrow(TypeError);
    expect(() => linuxNative().udpBound("10.0.0.1", 0)).toThrow(/not an IPv4 address and port/);
  });
});
