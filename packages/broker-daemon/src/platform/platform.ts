// SPDX-License-Identifier: Apache-2.0
import type { Backend } from "../core/backend.js";
import type { Broker } from "../core/broker.js";
import type { Transport } from "../daemon.js";
import type { Logger } from "../log.js";
import type { TransportLimits } from "../transport/unix/transport-limits.js";
import type { StopPolicy } from "./stop-policy.js";

/** What `serve` needs from the operating system it runs on. */
export interface Platform {
  readonly backend: Backend;
  listen(broker: Broker): Promise<Transport>;
  /** True when a service manager started us on demand (exit when idle). */
  readonly activated: boolean;
  /** Replaces the daemon's default answer to SIGTERM/SIGINT (macOS). */
  readonly stopPolicy?: StopPolicy;
}

export interface PlatformOptions {
  readonly logger: Logger;
  readonly runtimeDir: string;
  readonly socketPath: string;
  readonly socketMode: number;
  readonly socketGroup?: string;
  /** macOS: the Mach service name. */
  readonly serviceName?: string;
  readonly sandboxed: boolean;
  /** Linux: the device opened for TapOptions.vhostNet (default /dev/vhost-net). */
  readonly vhostNetDevice?: string;
  /** The Unix transport's limits (Linux). */
  readonly transportLimits: TransportLimits;
}
