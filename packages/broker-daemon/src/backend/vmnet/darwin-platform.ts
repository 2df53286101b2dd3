// SPDX-License-Identifier: Apache-2.0
/**
 * macOS: vmnet networks behind the XPC Mach service. src/platform/darwin.ts
 * re-exports createDarwinPlatform for createPlatform().
 */
import type { Logger } from "../../log.js";
import { darwinStopPolicy } from "../../platform/darwin-stop-policy.js";
import type { Platform, PlatformOptions } from "../../platform/platform.js";
import { darwinNative } from "../../transport/xpc/darwin-native.js";
import { DEFAULT_SERVICE_NAME, XpcTransport, type XpcTransportEvent } from "../../transport/xpc/xpc-transport.js";
import { createVmnetBackend } from "./vmnet-backend.js";

export function createDarwinPlatform(options: PlatformOptions): Platform {
  const native = darwinNative();
  const serviceName = options.serviceName ?? DEFAULT_SERVICE_NAME;
  return {
    backend: createVmnetBackend({ native }),
    // launchd sets XPC_SERVICE_NAME for the jobs it starts; started on demand,
    // the broker exits when idle and launchd starts it again on the next client.
    activated: launchedByLaunchd(),
    stopPolicy: darwinStopPolicy,
    async listen(broker) {
      return XpcTransport.listen(broker, {
        serviceName,
        native,
        onEvent: xpcEventHandler(options.logger),
        maxUnsentEventBytes: options.transportLimits.maxUnsentEventBytes,
      });
    },
  };
}

export function launchedByLaunchd(env: NodeJS.ProcessEnv = process.env): boolean {
  const job = env.XPC_SERVICE_NAME;
  return job !== undefined && job !== "" && job !== "0";
}

/**
 * Logs the transport's events. Nobody can reach a broker whose listener failed:
 * it exits, and launchd starts a fresh one on the next connection (as the
 * existing broker does), instead of lingering unreachable.
 */
export function xpcEventHandler(logger: Logger, exit: (status: number) => void = process.exit): (event: XpcTransportEvent) => void {
  return (event) => {
    logXpcEvent(logger, event);
    if (event.type === "listener-error") exit(1);
  };
}

function logXpcEvent(logger: Logger, event: XpcTransportEvent): void {
  switch (event.type) {
    case "invalid-message":
      logger.log("warn", "invalid-message", { peer: event.peer, reason: event.reason });
      break;
    case "handler-error":
      logger.log("error", "handler-error", { peer: event.peer, message: String(event.error) });
      break;
    case "listener-error":
      logger.log("error", "xpc-listener-error", { message: event.message });
      break;
    case "unknown-peer":
      logger.log("warn", "unknown-peer", { peer: event.peer });
      break;
    case "limit-reached":
      logger.log("warn", "limit-reached", { limit: event.limit, value: event.value, peer: event.peer, action: "disconnected" });
      break;
  }
}
