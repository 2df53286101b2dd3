// SPDX-License-Identifier: Apache-2.0
// The package's bin, dist/vmnet-broker.mjs (one esbuild bundle of the CLI and the
// client), as users run it: `serve` in its sandbox, and a client command from the
// same file acquiring a network and opening a TAP. Paths that modules resolve
// (the two addons, package.json) break in a bundle first.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, TestBroker } from "./harness/broker.js";

const run = promisify(execFile);

describe("the bundled bin (dist/vmnet-broker.mjs)", () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await TestBroker.start({ cli: BIN });
  });
  afterAll(async () => {
    await broker.dispose();
  });

  it("--version is package.json's", async () => {
    const { version } = JSON.parse(readFileSync(join(import.meta.dirname, "../package.json"), "utf8"));
    const { stdout } = await run(process.execPath, [BIN, "--version"]);
    expect(stdout.trim()).toBe(`vmnet-broker ${version}`);
  });

  it("serves: run --wrap from the bundle acquires shared and passes a TAP to the command", async () => {
    const probe = `console.log(require("fs").readlinkSync("/proc/self/fd/3")); process.exit(7);`;
    const args = ["run", "--wrap", "--socket", broker.socket, "--network", "shared", "--tap-fd", "3", "--"];
    const result = await run(process.execPath, [BIN, ...args, process.execPath, "-e", probe]).catch(
      (e: { code: number; stdout: string }) => e,
    );
    expect(result).toMatchObject({ code: 7, stdout: "/dev/net/tun\n" });
    const status = await broker.status();
    expect(status.networks.map((n) => n.network?.name)).toContain("shared");
  });
});
