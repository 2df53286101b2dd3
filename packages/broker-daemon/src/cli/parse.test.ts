import { describe, expect, it } from "vitest";
import { socketPath } from "./parse.js";
import { DEFAULT_SOCKET } from "./usage.js";

describe("socketPath", () => {
  it("takes --socket, then VMNET_BROKER_SOCKET, then the default", () => {
    expect(socketPath("/flag.sock", { VMNET_BROKER_SOCKET: "/env.sock" })).toBe("/flag.sock");
    expect(socketPath(undefined, { VMNET_BROKER_SOCKET: "/env.sock" })).toBe("/env.sock");
    expect(socketPath(undefined, {})).toBe(DEFAULT_SOCKET);
  });

  it("treats an empty VMNET_BROKER_SOCKET as unset, like every client", () => {
    expect(socketPath(undefined, { VMNET_BROKER_SOCKET: "" })).toBe(DEFAULT_SOCKET);
  });
});
