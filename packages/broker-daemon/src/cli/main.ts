#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
import { VERSION } from "../version.js";
import { acquireCommand } from "./acquire.js";
import { checkConfigCommand } from "./check-config.js";
import { eventsCommand } from "./events.js";
import { EXIT_USAGE, exitStatusFor } from "./exit-status.js";
import { leaseCommand } from "./lease.js";
import { runCommand } from "./run.js";
import { serveCommand } from "./serve.js";
import { statusCommand } from "./status.js";
import { stopCommand } from "./stop.js";
import { USAGE } from "./usage.js";
import { UsageError } from "./usage-error.js";

const commands: Record<string, (args: string[]) => Promise<number>> = {
  serve: serveCommand,
  status: statusCommand,
  acquire: acquireCommand,
  run: runCommand,
  lease: leaseCommand,
  events: eventsCommand,
  "check-config": checkConfigCommand,
  stop: stopCommand,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(USAGE.main ?? "");
    return command === undefined ? EXIT_USAGE : 0;
  }
  if (command === "version" || command === "--version") {
    process.stdout.write(`vmnet-broker ${VERSION}\n`);
    return 0;
  }
  const run = commands[command];
  if (!run) throw new UsageError(`unknown command '${command}'`, "main");
  // Only run's own options ask for help: what follows `--` is the command's.
  const separator = args.indexOf("--");
  const own = separator < 0 ? args : args.slice(0, separator);
  if (own.includes("--help") || own.includes("-h")) {
    process.stdout.write(USAGE[command] ?? "");
    return 0;
  }
  return run(args);
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`vmnet-broker: ${error.message}\n\n${USAGE[error.command] ?? ""}`);
      process.exitCode = EXIT_USAGE;
    } else {
      process.stderr.write(`vmnet-broker: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = exitStatusFor(error);
    }
  },
);
