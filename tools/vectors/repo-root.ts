// SPDX-License-Identifier: Apache-2.0
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const PROTO_PATH = "protocol/vmnet_broker/v1/broker.proto";

/** The checkout's root: the nearest ancestor of this file holding the .proto. */
export function repoRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, PROTO_PATH))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no ${PROTO_PATH} above ${from}`);
    dir = parent;
  }
}
