// SPDX-License-Identifier: Apache-2.0
import type { Status } from "@vmnet-broker/client/protocol";
import { systemAccounts } from "../config/users.js";
import { connectBroker } from "./connect.js";
import { formatStatus } from "./format-status.js";
import { parse, socketPath } from "./parse.js";
import { statusToJson } from "./status-json.js";

export async function statusCommand(args: string[]): Promise<number> {
  const { values } = parse("status", args, {
    json: { type: "boolean" },
    all: { type: "boolean" },
    socket: { type: "string" },
    "service-name": { type: "string" },
  });
  const status = process.platform === "darwin" ? await xpcStatus(values["service-name"]) : await unixStatus(socketPath(values.socket));
  const accounts = systemAccounts();
  process.stdout.write(
    values.json
      ? `${JSON.stringify(statusToJson(status), null, 2)}\n`
      : formatStatus(status, { userName: (uid) => accounts.userName(uid), all: values.all ?? false }),
  );
  return 0;
}

async function unixStatus(path: string): Promise<Status> {
  const client = await connectBroker(path);
  try {
    return await client.status();
  } finally {
    client.close();
  }
}

/** macOS: the broker is a Mach service; ask it over XPC. */
async function xpcStatus(serviceName: string | undefined): Promise<Status> {
  const { xpcStatus } = await import("../transport/xpc/xpc-client.js");
  return xpcStatus(serviceName);
}
