// SPDX-License-Identifier: Apache-2.0
import { BrokerClient } from "@vmnet-broker/client";
import { systemAccounts } from "../config/users.js";
import { eventToJson, formatEvent } from "./format-event.js";
import { parse, socketPath } from "./parse.js";

/** Follows the broker's events until interrupted, one line each (JSON lines with --json). */
export async function eventsCommand(args: string[]): Promise<number> {
  const { values } = parse("events", args, { socket: { type: "string" }, json: { type: "boolean" } });
  const client = await BrokerClient.connect({ socketPath: socketPath(values.socket) });
  const stream = await client.events();
  void client.close();
  const stop = () => stream.close();
  process.once("SIGINT", stop).once("SIGTERM", stop);
  const accounts = systemAccounts();
  for await (const event of stream) {
    process.stdout.write(
      values.json ? `${JSON.stringify(eventToJson(event))}\n` : `${formatEvent(event, (uid) => accounts.userName(uid))}\n`,
    );
  }
  return 0;
}
