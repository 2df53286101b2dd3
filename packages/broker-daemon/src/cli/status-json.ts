// SPDX-License-Identifier: Apache-2.0
import { ErrorCode, InterfaceKind, NetworkMode, type Status, TransportProtocol } from "@vmnet-broker/client/protocol";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Status as plain JSON for `status --json`: field names as in the .proto
 * (snake_case), 64-bit counters as numbers, enums as their short names.
 */
export function statusToJson(status: Status): Json {
  return convert(status) as Json;
}

const ENUMS: Record<string, Record<number, string>> = {
  mode: NetworkMode as unknown as Record<number, string>,
  kind: InterfaceKind as unknown as Record<number, string>,
  code: ErrorCode as unknown as Record<number, string>,
  protocol: TransportProtocol as unknown as Record<number, string>,
};

function convert(value: unknown, key = ""): unknown {
  if (typeof value === "bigint") return Number(value);
  if (Buffer.isBuffer(value)) return value.toString("base64");
  if (Array.isArray(value)) return value.map((v) => convert(v));
  if (typeof value === "number" && ENUMS[key]) {
    const name = ENUMS[key]?.[value] ?? String(value);
    return name.replace(/^(NETWORK_MODE|INTERFACE_KIND|ERROR_CODE|TRANSPORT_PROTOCOL)_/, "").toLowerCase();
  }
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === "_unknownFields" || k === "vmnetSerialization") continue;
      out[k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = convert(v, k);
    }
    return out;
  }
  return value;
}
