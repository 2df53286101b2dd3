// SPDX-License-Identifier: Apache-2.0
/** The sandbox command really isolates, and the addon's exec keeps the pid. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runTool } from "../backend/linux/run-tool.js";
import { isSandboxed, SANDBOX_MARKER, sandboxCommand } from "./sandbox.js";

const PACKAGE_DIR = fileURLToPath(new URL("../../", import.meta.url));

/** Runs a command to completion; resolves with its pid and stdout. */
function runChild(file: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  return new Promise<{ pid: number; stdout: string; code: number | null }>((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ pid: child.pid ?? -1, stdout, code }));
  });
}

describe("isSandboxed", () => {
  it("reads the environment marker", () => {
    expect(isSandboxed({ [SANDBOX_MARKER]: "1" })).toBe(true);
    expect(isSandboxed({})).toBe(false);
  });
});

describe("enterSandbox as root", () => {
  it("moves the process into a fresh namespace with lo up, without executing anything again", async () => {
    const script = [
      `import { enterSandbox } from ${JSON.stringify(`${PACKAGE_DIR}dist/sandbox/sandbox.js`)};`,
      `import { execFileSync } from "node:child_process";`,
      `import { readlinkSync } from "node:fs";`,
      "enterSandbox();",
      // A child inherits the main thread's namespace, as dnsmasq does.
      // Strings only: console.log colours numbers when FORCE_COLOR is set (nx sets it).
      `console.log(String(process.pid), readlinkSync("/proc/self/ns/net"), process.env.${SANDBOX_MARKER});`,
      `console.log(execFileSync("ip", ["-o", "link", "show"], { encoding: "utf8" }).trim());`,
    ].join("\n");
    const { stdout, code, pid } = await runChild(process.execPath, ["--input-type=module", "-e", script]);
    expect(code).toBe(0);
    const [facts, ...links] = stdout.trim().split("\n");
    const [childPid, netns, marker] = facts?.split(" ") ?? [];
    expect(childPid).toBe(String(pid));
    expect(netns).not.toBe((await runTool("readlink", ["/proc/self/ns/net"])).trim());
    expect(marker).toBe("1");
    expect(links).toHaveLength(1);
    expect(links[0]).toMatch(/^1: lo: <LOOPBACK,UP,LOWER_UP>/);
  });
});

describe("sandboxCommand (not root)", () => {
  it("runs the command in fresh network and user namespaces, keeping the pid it was started as", async () => {
    const probe = 'echo "pid=$$"; readlink /proc/self/ns/net';
    const { file, args } = sandboxCommand(["sh", "-c", probe]);
    const { stdout, code, pid } = await runChild(file, args);
    expect(code).toBe(0);
    const [pidLine, netns] = stdout.trim().split("\n");
    // No fork: signals sent to the pid the caller started reach the command itself.
    expect(pidLine).toBe(`pid=${pid}`);
    expect(netns).not.toBe(await runTool("readlink", ["/proc/self/ns/net"]).then((s) => s.trim()));
  });

  it("passes arguments through untouched (no shell expansion)", async () => {
    const tricky = ["$(echo injected)", "a b", "*", "'\""];
    const { file, args } = sandboxCommand(["printf", "%s\\n", ...tricky]);
    const { stdout } = await runChild(file, args);
    expect(stdout.split("\n").slice(0, -1)).toEqual(tricky);
  });

  it("maps the caller to root in its user namespace", async () => {
    const { file, args } = sandboxCommand(["sh", "-c", "id -u; cat /proc/self/uid_map"]);
    expect(args).toContain("--map-root-user");
    // Run it as "nobody" to show it needs no privilege.
    const { stdout, code } = await runChild("setpriv", ["--reuid", "65534", "--regid", "65534", "--clear-groups", file, ...args]);
    expect(code).toBe(0);
    const [uid, map] = stdout.trim().split("\n");
    expect(uid).toBe("0");
    expect(map?.trim().split(/\s+/)).toEqual(["0", "65534", "1"]);
  });
});

describe("exec (addon)", () => {
  it("replaces the process keeping its pid, with the given environment", async () => {
    const script = `
      const addon = require("node-gyp-build")(${JSON.stringify(PACKAGE_DIR)});
      addon.exec("sh", ["sh", "-c", "echo pid=$$ marker=$M"], { M: "set", PATH: process.env.PATH });
    `;
    const { pid, stdout, code } = await runChild(process.execPath, ["-e", script]);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(`pid=${pid} marker=set`);
  });

  it("throws naming execvp and the errno when the program does not exist", async () => {
    const script = `
      const addon = require("node-gyp-build")(${JSON.stringify(PACKAGE_DIR)});
      try { addon.exec("/nonexistent/prog", ["prog"], {}); } catch (e) { console.log(e.message); }
      console.log("still here");
    `;
    const { stdout } = await runChild(process.execPath, ["-e", script]);
    expect(stdout).toMatch(/execvp \/nonexistent\/prog failed: ENOENT/);
    expect(stdout).toContain("still here");
  });
});
