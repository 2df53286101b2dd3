// SPDX-License-Identifier: Apache-2.0
import { BrokerClient, type BrokerEvent, eventFromMessage } from "@vmnet-broker/client";
import { systemAccounts } from "../config/users.js";
import { eventToJson, formatEvent } from "./format-event.js";
import { parse, socketPath } from "./parse.js";

interface Stream extends AsyncIterable<BrokerEvent> {
  close(): void;
}

/** Follows the broker's events until interrupted, one line each (JSON lines with --json). */
export async function eventsCommand(args: string[]): Promise<number> {
  const { values } = parse("events", args, {
    socket: { type: "string" },
    "service-name": { type: "string" },
    json: { type: "boolean" },
  });
  const stream = process.platform === "darwin" ? await xpcStream(values["service-name"]) : await unixStream(values.socket);
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

async function unixStream(socket: string | undefined): Promise<Stream> {
  const client = await BrokerClient.connect({ socketPath: socketPath(socket) });
  const stream = await client.events();
  void client.close();
  return stream;
}

/** macOS: the broker is a Mach service; subscribe over XPC. */
async function xpcStream(serviceName: string | undefined): Promise<Stream> {
  const { xpcEvents } = await import("../transport/xpc/xpc-events.js");
  const events = await xpcEvents(serviceName);
  return {
    close: () => events.close(),
    async *[Symbol.asyncIterator]() {
      for await (const event of events) yield eventFromMessage(event);
    },
  };
}
