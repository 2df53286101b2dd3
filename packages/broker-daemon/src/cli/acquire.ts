// SPDX-License-Identifier: Apache-2.0
import { closeSync, openSync } from "node:fs";
import { acquireOverXpc } from "./acquire-xpc.js";
import { connectBroker } from "./connect.js";
import { untilReleased } from "./hold.js";
import { parse, socketPath } from "./parse.js";
import { UsageError } from "./usage-error.js";

/**
 * Holds networks from the shell: the process is the lease. Prints one line per
 * network (JSON with --json) and then waits for SIGINT/SIGTERM, or for stdin to
 * close with --until-stdin-closes (handy when a test harness owns the process).
 */
export async function acquireCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(
    "acquire",
    args,
    {
      socket: { type: "string" },
      "service-name": { type: "string" },
      json: { type: "boolean" },
      "until-stdin-closes": { type: "boolean" },
      "veth-into": { type: "string" },
      ifname: { type: "string" },
    },
    true,
  );
  if (positionals.length === 0) throw new UsageError("name at least one network", "acquire");
  if (process.platform === "darwin") {
    if (values["veth-into"] !== undefined) throw new UsageError("--veth-into needs Linux: vmnet networks have no veth", "acquire");
    const release = await acquireOverXpc(positionals, {
      json: values.json ?? false,
      ...(values["service-name"] !== undefined ? { serviceName: values["service-name"] } : {}),
    });
    if (!values.json) process.stdout.write("holding; interrupt to release\n");
    await untilReleased(values["until-stdin-closes"] ?? false);
    release();
    return 0;
  }
  const client = await connectBroker(socketPath(values.socket));
  // Closed on every way out: an open socket would keep the process alive after an error.
  try {
    for (const name of positionals) {
      const n = await client.acquireNetwork(name);
      process.stdout.write(
        values.json
          ? `${JSON.stringify({ name: n.name, subnet: n.subnet, mask: n.mask, gateway: n.gateway, bridge: n.bridge, mtu: n.mtu })}\n`
          : `acquired ${n.name}: subnet ${n.subnet} mask ${n.mask} gateway ${n.gateway} bridge ${n.bridge || "-"} mtu ${n.mtu}\n`,
      );
    }
    const netnsPath = values["veth-into"];
    if (netnsPath !== undefined) {
      // Attach a network namespace (e.g. /proc/PID/ns/net) to the first network.
      const fd = openSync(netnsPath, "r");
      try {
        const veth = await client.openVeth(positionals[0] as string, fd, values.ifname ?? "eth0");
        process.stdout.write(
          values.json
            ? `${JSON.stringify({ veth: veth.name, peer_ifname: veth.peerIfname, mac: veth.mac })}\n`
            : `attached ${netnsPath}: ${veth.peerIfname} (${veth.mac}) <-> ${veth.name}\n`,
        );
      } finally {
        closeSync(fd);
      }
    }
    if (!values.json) process.stdout.write("holding; interrupt to release\n");
    await untilReleased(values["until-stdin-closes"] ?? false, client.closed);
    return 0;
  } finally {
    await client.close();
  }
}
