// SPDX-License-Identifier: Apache-2.0
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { native } from "../native/load-native-addon.js";
import type { PeerCredentials } from "../native/native-addon.js";
import { inheritedListenFd } from "./systemd-activation.js";
import { makeTempDir } from "./test-support/socket-fixtures.js";
import { UnixListener } from "./unix-listener.js";

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.cleanup());

describe("UnixListener", () => {
  it("reports the credentials of another process that connects", async () => {
    const path = `${temp.dir}/l.sock`;
    const accepted: { fd: number; credentials: PeerCredentials }[] = [];
    const listener = UnixListener.listen(
      { path, mode: 0o600 },
      { onConnection: (fd, credentials) => accepted.push({ fd, credentials }) },
    );
    // A separate process connects with Node's own net module and waits for stdin to close.
    const child = spawn(
      process.execPath,
      [
        "-e",
        `const s = require("net").connect(${JSON.stringify(path)}); s.on("connect", () => console.log("up")); process.stdin.on("end", () => s.destroy()); process.stdin.resume();`,
      ],
      { stdio: ["pipe", "pipe", "inherit"] },
    );
    await new Promise<void>((resolve) => child.stdout?.once("data", () => resolve()));
    await new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const poll = () =>
        accepted.length > 0
          ? resolve()
          : Date.now() - started > 5000
            ? reject(new Error("no accept"))
            : setTimeout(poll, 5);
      poll();
    });
    expect(accepted[0]?.credentials.pid).toBe(child.pid);
    expect(accepted[0]?.credentials.uid).toBe(process.getuid?.());
    child.stdin?.end();
    await new Promise((resolve) => child.once("exit", resolve));
    for (const { fd } of accepted) native.closeFd(fd);
    listener.close();
  });

  it("removes the socket file it created on close, but not an adopted one", () => {
    const path = `${temp.dir}/own.sock`;
    const own = UnixListener.listen({ path, mode: 0o600 }, { onConnection: (fd) => native.closeFd(fd) });
    expect(existsSync(path)).toBe(true);
    own.close();
    expect(existsSync(path)).toBe(false);

    const inheritedPath = `${temp.dir}/inherited.sock`;
    const fd = native.listen(inheritedPath, 0o600, -1);
    const adopted = UnixListener.adopt(fd, { onConnection: (conn) => native.closeFd(conn) });
    adopted.close();
    expect(existsSync(inheritedPath)).toBe(true);
  });
});

describe("inheritedListenFd", () => {
  it("returns fd 3 only when LISTEN_PID is this process and LISTEN_FDS >= 1", () => {
    expect(inheritedListenFd({ LISTEN_PID: "123", LISTEN_FDS: "1" }, 123)).toBe(3);
    expect(inheritedListenFd({ LISTEN_PID: "124", LISTEN_FDS: "1" }, 123)).toBeUndefined();
    expect(inheritedListenFd({ LISTEN_PID: "123", LISTEN_FDS: "0" }, 123)).toBeUndefined();
    expect(inheritedListenFd({}, 123)).toBeUndefined();
  });
});
