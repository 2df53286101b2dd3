// SPDX-License-Identifier: Apache-2.0
// readConfigFile's refusals word for word (check-config and the daemon's log show
// them after the file name), and the size cap at its exact edge.
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigFileError, MAX_CONFIG_FILE_BYTES, readConfigFile } from "./read-config-file.js";

describe("readConfigFile messages", () => {
  let dir: string;
  let server: Server | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "vmnet-broker-reader-"));
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const refusal = (path: string) =>
    readConfigFile(path).then(
      () => undefined,
      (e: unknown) => e,
    );

  it("is 64 KiB", () => {
    expect(MAX_CONFIG_FILE_BYTES).toBe(65536);
  });

  it("reads a file of exactly the cap, and refuses one byte more", async () => {
    writeFileSync(join(dir, "full.json"), "x".repeat(MAX_CONFIG_FILE_BYTES), { mode: 0o644 });
    expect(await readConfigFile(join(dir, "full.json"))).toHaveLength(MAX_CONFIG_FILE_BYTES);
    writeFileSync(join(dir, "over.json"), "x".repeat(MAX_CONFIG_FILE_BYTES + 1), { mode: 0o644 });
    const error = await refusal(join(dir, "over.json"));
    expect(error).toBeInstanceOf(ConfigFileError);
    expect(error).toMatchObject({ name: "ConfigFileError", message: "is larger than 64 KiB" });
  });

  it("reads an empty file, and multi-byte text whole", async () => {
    writeFileSync(join(dir, "empty.json"), "");
    expect(await readConfigFile(join(dir, "empty.json"))).toBe("");
    writeFileSync(join(dir, "utf8.json"), '{"description":"café ☕"}');
    expect(await readConfigFile(join(dir, "utf8.json"))).toBe('{"description":"café ☕"}');
  });

  it("says what to do about a symlink, a world-writable file, and names what is not a file", async () => {
    writeFileSync(join(dir, "real.json"), "{}", { mode: 0o644 });
    symlinkSync(join(dir, "real.json"), join(dir, "link.json"));
    expect(await refusal(join(dir, "link.json"))).toMatchObject({
      message: "is a symbolic link; copy the file into the directory instead",
    });
    chmodSync(join(dir, "real.json"), 0o646);
    expect(await refusal(join(dir, "real.json"))).toMatchObject({
      message: "is writable by every user; make it writable by root only",
    });
    chmodSync(join(dir, "real.json"), 0o664);
    expect(await readConfigFile(join(dir, "real.json"))).toBe("{}");
    expect(await refusal(dir)).toMatchObject({ message: "is not a regular file (a directory)" });
    expect(await refusal("/dev/null")).toMatchObject({ message: "is not a regular file (a device)" });
    const socket = join(dir, "sock.json");
    server = createServer();
    await new Promise<void>((resolve) => server?.listen(socket, resolve));
    expect(await refusal(socket)).toMatchObject({ message: "is not a regular file (a socket)" });
  });

  it("passes on other errors as they are", async () => {
    expect(await refusal(join(dir, "missing.json"))).toMatchObject({ code: "ENOENT" });
  });
});
