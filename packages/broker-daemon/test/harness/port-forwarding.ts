// SPDX-License-Identifier: Apache-2.0
// Helpers of the port-forwarding e2e tests: a server in a namespace, one request
// through a port from another, and a wait for a fresh link's IPv6.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { runTool } from "../../src/backend/linux/run-tool.js";
import type { Guest } from "../../src/sandbox/index.js";

const SERVER = join(import.meta.dirname, "echo-server.mjs");
const PROBE = join(import.meta.dirname, "port-probe.mjs");

/** The answer to one request from inside netnsPath, or undefined when none came. */
export async function probe(netnsPath: string, protocol: "tcp" | "udp", address: string, port: number): Promise<string | undefined> {
  try {
    return await runTool("nsenter", [`--net=${netnsPath}`, "--", process.execPath, PROBE, protocol, address, String(port), "hello"]);
  } catch {
    return undefined;
  }
}

/**
 * Waits (bounded) until `guest` gets an IPv6 ping answer from `address`: a fresh
 * link's IPv6 needs a moment (neighbour discovery) before a first packet passes.
 */
export async function waitForIpv6(guest: Guest, address: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await guest.run("ping", ["-6", "-c", "1", "-W", "1", address]);
      return;
    } catch (error) {
      if (attempt === 10) throw error;
    }
  }
}

export interface Server {
  readonly child: ChildProcess;
  /** Everything it printed: "ready", then "got <request> from <client>" per request. */
  readonly output: string[];
}

/** A server in a namespace; it dies with this process (parent-death signal). */
export async function startServer(netnsPath: string, label: string, address: string, tcp: number, udp: number): Promise<Server> {
  const command = ["nsenter", `--net=${netnsPath}`, "--", process.execPath, SERVER, label, address, String(tcp), String(udp)];
  const child = spawn("setpriv", ["--pdeathsig", "KILL", "--", ...command], { stdio: ["ignore", "pipe", "inherit"] });
  const output: string[] = [];
  await new Promise<void>((resolve, reject) => {
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      output.push(...chunk.split("\n").filter(Boolean));
      if (output.includes("ready")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`server ${label} exited (${code})`)));
  });
  return { child, output };
}
