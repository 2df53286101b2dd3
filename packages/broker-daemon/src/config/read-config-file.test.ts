// SPDX-License-Identifier: Apache-2.0
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MAX_CONFIG_FILE_BYTES, readConfigFile } from "./read-config-file.js";

const SECRET = "root:$6$secret-hash-that-must-never-leak:19000:0:99999:7:::";

describe("readConfigFile", () => {
  let dir: string;
  let outside: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "vmnet-broker-reader-"));
    outside = mkdtempSync(join(tmpdir(), "vmnet-broker-secret-"));
    writeFileSync(join(outside, "shadow"), SECRET, { mode: 0o600 });
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  const refusal = (name: string) =>
    readConfigFile(join(dir, name)).then(
      () => "read",
      (e: Error) => e.message,
    );

  it("reads a regular file", async () => {
    writeFileSync(join(dir, "lab.json"), '{"mode":"host"}');
    await expect(readConfigFile(join(dir, "lab.json"))).resolves.toBe('{"mode":"host"}');
  });

  it("refuses a symlink to a file outside the directory without reading it", async () => {
    symlinkSync(join(outside, "shadow"), join(dir, "x.json"));
    const message = await refusal("x.json");
    expect(message).toMatch(/symbolic link/);
    expect(message).not.toContain("secret");
  });

  it("refuses a symlink inside the directory too", async () => {
    writeFileSync(join(dir, "real.json"), "{}");
    symlinkSync("real.json", join(dir, "alias.json"));
    expect(await refusal("alias.json")).toMatch(/symbolic link/);
  });

  it("refuses a FIFO without waiting for a writer", async () => {
    execFileSync("mkfifo", [join(dir, "fifo.json")]);
    expect(await refusal("fifo.json")).toMatch(/not a regular file \(a FIFO\)/);
  });

  it("refuses a symlink to /dev/zero", async () => {
    symlinkSync("/dev/zero", join(dir, "zero.json"));
    expect(await refusal("zero.json")).toMatch(/symbolic link/);
  });

  it("refuses a directory", async () => {
    execFileSync("mkdir", [join(dir, "sub.json")]);
    expect(await refusal("sub.json")).toMatch(/not a regular file \(a directory\)/);
  });

  it("refuses a file larger than the cap", async () => {
    writeFileSync(join(dir, "big.json"), " ".repeat(MAX_CONFIG_FILE_BYTES + 1));
    expect(await refusal("big.json")).toMatch(/larger than 64 KiB/);
    writeFileSync(join(dir, "edge.json"), " ".repeat(MAX_CONFIG_FILE_BYTES));
    expect(await refusal("edge.json")).toBe("read");
  });

  it("refuses a file every user may write", async () => {
    writeFileSync(join(dir, "open.json"), "{}");
    chmodSync(join(dir, "open.json"), 0o666);
    expect(await refusal("open.json")).toMatch(/writable by every user/);
  });
});
