// SPDX-License-Identifier: Apache-2.0
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CommandNotRunnable, findExecutable } from "./find-executable.js";

const dir = mkdtempSync(join(tmpdir(), "find-executable-"));
writeFileSync(join(dir, "vmm"), "#!/bin/sh\n");
chmodSync(join(dir, "vmm"), 0o755);
writeFileSync(join(dir, "plain"), "");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function status(file: string, path: string): number {
  try {
    findExecutable(file, path);
    return 0;
  } catch (error) {
    if (error instanceof CommandNotRunnable) return error.status;
    throw error;
  }
}

describe("findExecutable", () => {
  it("searches PATH for a bare name and takes a path as given", () => {
    expect(findExecutable("vmm", `/nonexistent:${dir}`)).toBe(join(dir, "vmm"));
    expect(findExecutable(join(dir, "vmm"), "")).toBe(join(dir, "vmm"));
  });

  it("answers 127 for a missing command and 126 for a file that cannot be executed", () => {
    expect(status("no-such-vmm", dir)).toBe(127);
    expect(status(join(dir, "missing"), dir)).toBe(127);
    expect(status(join(dir, "plain"), dir)).toBe(126);
    expect(status("plain", dir)).toBe(127);
    expect(status(dir, dir)).toBe(126);
  });
});
