// SPDX-License-Identifier: Apache-2.0
// exec with fd placement: the program finds each fd at its number, even when
// the placements overlap; a failed exec leaves every number as it was.
import { execFileSync } from "node:child_process";
import { closeSync, openSync, readlinkSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { linuxNative } from "./native.js";

/** packages/broker-daemon, where node-gyp-build finds the addon. */
const PACKAGE_DIR = new URL("../../../", import.meta.url).pathname;

function target(fd: number): string {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return "(closed)";
  }
}

describe("exec with fds", () => {
  it("places fds at their numbers, swapped ones included", () => {
    // A child node opens /dev/null (a) and /dev/zero (b), then execs sh with
    // them swapped (b at a's number, a at b's) and one more copy of a at 3.
    const script = `
      const native = require("node-gyp-build")(${JSON.stringify(PACKAGE_DIR)});
      const fs = require("node:fs");
      const a = fs.openSync("/dev/null", "r");
      const b = fs.openSync("/dev/zero", "r");
      const show = "readlink /proc/self/fd/" + a + " /proc/self/fd/" + b + " /proc/self/fd/3";
      native.exec("sh", ["sh", "-c", show], process.env, [{ from: a, to: b }, { from: b, to: a }, { from: a, to: 3 }]);`;
    const out = execFileSync(process.execPath, ["-e", script], { encoding: "utf8", cwd: PACKAGE_DIR });
    expect(out.trim().split("\n")).toEqual(["/dev/zero", "/dev/null", "/dev/null"]);
  });

  it("puts every number back when exec fails", () => {
    const fd = openSync("/dev/zero", "r");
    const before = [3, 4, 5, 6].map(target);
    expect(() =>
      linuxNative().exec("/nonexistent/vmm", ["vmm"], {}, [
        { from: fd, to: 3 },
        { from: fd, to: 6 },
      ]),
    ).toThrow(/ENOENT/);
    expect([3, 4, 5, 6].map(target)).toEqual(before);
    closeSync(fd);
  });

  it("rejects placements onto stdio or twice onto one number", () => {
    expect(() => linuxNative().exec("true", ["true"], {}, [{ from: 0, to: 1 }])).toThrow(TypeError);
    expect(() =>
      linuxNative().exec("true", ["true"], {}, [
        { from: 0, to: 7 },
        { from: 1, to: 7 },
      ]),
    ).toThrow(/repeats 7/);
  });
});
