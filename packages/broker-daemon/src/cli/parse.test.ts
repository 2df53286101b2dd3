// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from "vitest";
import { socketPath } from "./parse.js";
import { SYSTEM_SOCKET } from "./runtime-paths.js";

describe("socketPath", () => {
  it("takes --socket, then VMNET_BROKER_SOCKET, then the default", () => {
    expect(socketPath("/flag.sock", { VMNET_BROKER_SOCKET: "/env.sock" })).toBe("/flag.sock");
    expect(socketPath(undefined, { VMNET_BROKER_SOCKET: "/env.sock" })).toBe("/env.sock");
    expect(socketPath(undefined, {}, () => SYSTEM_SOCKET)).toBe(SYSTEM_SOCKET);
  });

  it("treats an empty VMNET_BROKER_SOCKET as unset, like every client", () => {
    expect(socketPath(undefined, { VMNET_BROKER_SOCKET: "" }, () => SYSTEM_SOCKET)).toBe(SYSTEM_SOCKET);
  });
});
