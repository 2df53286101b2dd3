import { BrokerClient } from "@vmnet-broker/client";
import { formatStatus } from "./format-status.js";
import { parse, socketPath } from "./parse.js";
import { statusToJson } from "./status-json.js";

export async function statusCommand(args: string[]): Promise<number> {
  const { values } = parse("status", args, { json: { type: "boolean" }, socket: { type: "string" } });
  const client = await BrokerClient.connect({ socketPath: socketPath(values.socket) });
  try {
    const status = await client.status();
    process.stdout.write(values.json ? `${JSON.stringify(statusToJson(status), null, 2)}\n` : formatStatus(status));
    return 0;
  } finally {
    client.close();
  }
}
