#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
import { preloadPlatform } from "../platform/preload.js";
import { VERSION } from "../version.js";
import { EXIT_USAGE, exitStatusFor } from "./exit-status.js";
import { UsageError } from "./usage-error.js";

type Command = (args: string[]) => Promise<number>;

// Each command's modules load only when it runs: start-up time is import time, and
// `serve` needs none of the client commands (nor the help texts).
const commands: Record<string, () => Promise<Command>> = {
  serve: async () => {
    preloadPlatform();
    return (await import("./serve.js")).serveCommand;
  },
  status: async () => (await import("./status.js")).statusCommand,
  acquire: async () => (await import("./acquire.js")).acquireCommand,
  run: async () => (await import("./run.js")).runCommand,
  lease: async () => (await import("./lease.js")).leaseCommand,
  events: async () => (await import("./events.js")).eventsCommand,
  "check-config": async () => (await import("./check-config.js")).checkConfigCommand,
  stop: async () => (await import("./stop.js")).stopCommand,
};

async function usage(command: string): Promise<string> {
  return (await import("./usage.js")).USAGE[command] ?? "";
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(await usage("main"));
    return command === undefined ? EXIT_USAGE : 0;
  }
  if (command === "version" || command === "--version") {
    process.stdout.write(`vmnet-broker ${VERSION}\n`);
    return 0;
  }
  const load = Object.hasOwn(commands, command) ? commands[command] : undefined;
  if (!load) throw new UsageError(`unknown command '${command}'`, "main");
  // Only run's own options ask for help: what follows `--` is the command's.
  const separator = args.indexOf("--");
  const own = separator < 0 ? args : args.slice(0, separator);
  if (own.includes("--help") || own.includes("-h")) {
    process.stdout.write(await usage(command));
    return 0;
  }
  return (await load())(args);
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  async (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`vmnet-broker: ${error.message}\n\n${await usage(error.command)}`);
      process.exitCode = EXIT_USAGE;
    } else {
      process.stderr.write(`vmnet-broker: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = exitStatusFor(error);
    }
  },
);
