// SPDX-License-Identifier: Apache-2.0
import { BrokerError, ErrorCodes } from "@vmnet-broker/client";
import { connectBroker } from "./connect.js";
import { CommandNotRunnable, findExecutable } from "./find-executable.js";
import { integer, parse, socketPath } from "./parse.js";
import { execCommand } from "./run-exec.js";
import { fillPlaceholders, runEnvironment } from "./run-placeholders.js";
import { type PreparedCommand, wrapCommand } from "./run-wrap.js";
import { UsageError } from "./usage-error.js";

/**
 * acquire + open a TAP + run a command with the TAP's fds at fixed numbers. By
 * default this process becomes the command (exec) and the TAP holds the
 * network; with --wrap it stays as the command's parent and its connection
 * holds the lease while the command runs. --tap-name (a persistent TAP the
 * command opens by name) implies --wrap: only a connection can hold that TAP.
 */
export async function runCommand(args: string[]): Promise<number> {
  const separator = args.indexOf("--");
  if (separator < 0 || separator === args.length - 1) throw new UsageError("give the command after --", "run");
  const { values } = parse("run", args.slice(0, separator), {
    network: { type: "string" },
    "tap-fd": { type: "string" },
    "vnet-hdr": { type: "boolean" },
    queues: { type: "string" },
    socket: { type: "string" },
    wrap: { type: "boolean" },
    "tap-name": { type: "boolean" },
    "vhost-net": { type: "boolean" },
  });
  if (!values.network) throw new UsageError("--network is required", "run");
  if (process.platform === "darwin") {
    // UNSUPPORTED, as the broker answers a TAP request on macOS (and exits 9 like it).
    throw new BrokerError(
      ErrorCodes.Unsupported,
      "run needs Linux: vmnet networks have no TAP devices to pass; a VM attaches itself " +
        "(vmnet_network_create_with_serialization); use `vmnet-broker acquire` to hold a network",
    );
  }
  const firstFd = integer("run", "tap-fd", values["tap-fd"], 3, 3);
  const queues = integer("run", "queues", values.queues, 1, 1);
  const named = values["tap-name"] ?? false;
  const wrap = (values.wrap ?? false) || named;
  const [file, ...commandArgs] = args.slice(separator + 1) as [string, ...string[]];
  let path: string;
  try {
    path = findExecutable(file);
  } catch (error) {
    if (!(error instanceof CommandNotRunnable)) throw error;
    process.stderr.write(`vmnet-broker: run: ${error.message}\n`);
    return error.status;
  }

  const client = await connectBroker(socketPath(values.socket));
  let command: PreparedCommand;
  let tapFds: number[];
  try {
    const network = await client.acquireNetwork(values.network);
    const tap = await client.openTap(network.name, {
      vnetHeader: values["vnet-hdr"] ?? false,
      queues,
      holder: wrap ? "connection" : "interface",
      named,
      vhostNet: values["vhost-net"] ?? false,
    });
    // The command finds the queue fds first, then the vhost-net fds.
    tapFds = [...tap.fds, ...tap.vhostFds];
    const fds = tapFds.map((_, i) => firstFd + i);
    const runTap = {
      network,
      name: tap.name,
      fds: fds.slice(0, tap.fds.length),
      vhostFds: fds.slice(tap.fds.length),
      guestMac: tap.guestMac,
    };
    command = { file, path, args: fillPlaceholders(commandArgs, runTap), env: runEnvironment(runTap), fds };
  } catch (error) {
    await client.close();
    if (!wrap && BrokerError.is(error, ErrorCodes.Unsupported)) {
      throw new Error(`${error.message}; this broker cannot let a TAP hold its network: use run --wrap`);
    }
    throw error;
  }
  if (wrap) {
    try {
      return await wrapCommand(command, tapFds);
    } finally {
      await client.close();
    }
  }
  // The TAP holds the network from here on; the connection has nothing left to hold.
  await client.close();
  return execCommand(command, tapFds);
}
