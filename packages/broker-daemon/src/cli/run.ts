import { spawn } from "node:child_process";
import { closeSync } from "node:fs";
import { BrokerClient } from "@vmnet-broker/client";
import { integer, parse, socketPath } from "./parse.js";
import { UsageError } from "./usage-error.js";

/**
 * acquire + open a TAP + run a command with the TAP's fds at fixed numbers, holding
 * the lease for exactly as long as the command runs.
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
  });
  if (!values.network) throw new UsageError("--network is required", "run");
  if (process.platform === "darwin") {
    // UNSUPPORTED, as the broker answers a TAP request on macOS.
    throw new Error(
      "run is UNSUPPORTED on macOS: vmnet networks have no TAP devices to pass; a VM attaches itself " +
        "(vmnet_network_create_with_serialization); use `vmnet-broker acquire` to hold a network",
    );
  }
  const firstFd = integer("run", "tap-fd", values["tap-fd"], 3, 3);
  const queues = integer("run", "queues", values.queues, 1, 1);
  const [file, ...commandArgs] = args.slice(separator + 1) as [string, ...string[]];

  const client = await BrokerClient.connect({ socketPath: socketPath(values.socket) });
  try {
    const network = await client.acquireNetwork(values.network);
    const tap = await client.openTap(network.name, { vnetHeader: values["vnet-hdr"] ?? false, queues });
    // Node maps stdio[i] = fd onto the child's descriptor i; the gap up to firstFd
    // is filled with "ignore" (/dev/null), which is harmless.
    const stdio: Array<"inherit" | "ignore" | number> = ["inherit", "inherit", "inherit"];
    while (stdio.length < firstFd) stdio.push("ignore");
    stdio.push(...tap.fds);
    const tapFds = tap.fds.map((_, i) => firstFd + i);
    const child = spawn(file, commandArgs, {
      stdio,
      env: {
        ...process.env,
        VMNET_BROKER_TAP_FDS: tapFds.join(","),
        VMNET_BROKER_TAP_NAME: tap.name,
        VMNET_BROKER_NETWORK: network.name,
        VMNET_BROKER_GATEWAY: network.gateway,
        VMNET_BROKER_SUBNET: network.subnet,
        VMNET_BROKER_MASK: network.mask,
      },
    });
    // The child has its own copies now; ours would keep the TAP alive after it exits.
    for (const fd of tap.fds) closeSync(fd);
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    const status = await new Promise<number>((resolve, reject) => {
      child.once("error", (error) => reject(new Error(`cannot run ${file}: ${error.message}`)));
      child.once("exit", (code, signal) => resolve(code ?? 128 + (signal ? signalNumber(signal) : 0)));
    });
    process.off("SIGINT", forward);
    process.off("SIGTERM", forward);
    return status;
  } finally {
    client.close();
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };
  return numbers[signal] ?? 0;
}
