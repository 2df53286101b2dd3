// SPDX-License-Identifier: Apache-2.0
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { defaultClientSocket, defaultRuntimeDir, defaultServeSocket, makeUserRuntimeDir, SYSTEM_SOCKET } from "./runtime-paths.js";

describe("runtime paths", () => {
  it("root keeps /run/vmnet-broker", () => {
    expect(defaultRuntimeDir({ uid: 0, env: { XDG_RUNTIME_DIR: "/run/user/0" } })).toBe("/run/vmnet-broker");
    expect(defaultServeSocket({ uid: 0, env: {} })).toBe(SYSTEM_SOCKET);
  });

  it("anyone else follows XDG_RUNTIME_DIR, else a directory of their own in /tmp", () => {
    const user = { uid: 4242, env: { XDG_RUNTIME_DIR: "/run/user/4242" } };
    expect(defaultRuntimeDir(user)).toBe("/run/user/4242/vmnet-broker");
    expect(defaultServeSocket(user)).toBe("/run/user/4242/vmnet-broker/broker.sock");
    expect(defaultRuntimeDir({ uid: 4242, env: { XDG_RUNTIME_DIR: "" } })).toBe(join(tmpdir(), "vmnet-broker-4242"));
  });

  it("a user's client talks to the system broker, or to the user's own when only that one runs", () => {
    const user = { uid: 4242, env: { XDG_RUNTIME_DIR: "/run/user/4242" } };
    const own = "/run/user/4242/vmnet-broker/broker.sock";
    expect(defaultClientSocket(user, (p) => p === SYSTEM_SOCKET || p === own)).toBe(SYSTEM_SOCKET);
    expect(defaultClientSocket(user, (p) => p === own)).toBe(own);
    expect(defaultClientSocket(user, () => false)).toBe(SYSTEM_SOCKET);
  });
});

describe("makeUserRuntimeDir", () => {
  let base = "";
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it("makes a 0700 directory and refuses one another user made or left open", () => {
    base = mkdtempSync(join(tmpdir(), "vmnet-broker-paths-"));
    const dir = join(base, "mine");
    makeUserRuntimeDir(dir, process.getuid?.() ?? 0);
    expect(() => makeUserRuntimeDir(dir, 4242)).toThrow(/not a directory of uid 4242/);
    const open = join(base, "open");
    mkdirSync(open);
    chmodSync(open, 0o755);
    expect(() => makeUserRuntimeDir(open, process.getuid?.() ?? 0)).toThrow(/closed to others/);
  });
});
