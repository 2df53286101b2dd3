// SPDX-License-Identifier: Apache-2.0
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { inheritedListenFd } from "@vmnet-broker/client/socket";
import { createLinuxBackend } from "../backend/linux/index.js";
import { linuxNative } from "../backend/linux/native.js";
import { groupId } from "../config/group-id.js";
import { systemAccounts } from "../config/users.js";
import { type Logger, reportFields } from "../log.js";
import { LogThrottle } from "../log-throttle.js";
import { UnixTransport, type UnixTransportEvent } from "../transport/unix/unix-transport.js";
import type { Platform, PlatformOptions } from "./platform.js";

/** Linux: bridges + nftables + dnsmasq behind a Unix socket (or systemd's). */
export function createLinuxPlatform(options: PlatformOptions): Platform {
  const { logger } = options;
  const backend = createLinuxBackend({
    runtimeDir: options.runtimeDir,
    sandboxed: options.sandboxed,
    ...(options.vhostNetDevice !== undefined ? { vhostNetDevice: options.vhostNetDevice } : {}),
    onReclaimed: (report) => logger.log("info", "reclaimed-leftovers", reportFields(report)),
    onNotAdopted: ({ dir, reason, suspicious }) => logger.log(suspicious ? "warn" : "info", "not-adopted", { dir, reason }),
    onDnsmasqHearsAll: (network, why) => logger.log("warn", "dnsmasq-hears-all-networks", { network, why }),
    onDnsmasqExit: (network, exit) =>
      "restartedPid" in exit
        ? logger.log("warn", "dnsmasq-restarted", { network, ended: exit.how, pid: exit.restartedPid })
        : logger.log("error", "dnsmasq-restart-failed", { network, ended: exit.how, error: exit.error, retry_in_ms: exit.retryInMs }),
  });
  const inheritedFd = inheritedListenFd();
  return {
    backend,
    activated: inheritedFd !== undefined,
    async listen(broker) {
      const throttle = new LogThrottle(REFUSAL_LOG_INTERVAL_MS);
      const onEvent = (event: UnixTransportEvent) => logTransportEvent(logger, throttle, event);
      const limits = options.transportLimits;
      const releaseFreedMemory = () => linuxNative().releaseFreedMemory();
      if (inheritedFd !== undefined) return UnixTransport.listen(broker, { inheritedFd, onEvent, limits, releaseFreedMemory });
      mkdirSync(dirname(options.socketPath), { recursive: true, mode: 0o755 });
      const gid = options.socketGroup === undefined ? undefined : socketGroupId(options.socketGroup);
      return UnixTransport.listen(broker, {
        socketPath: options.socketPath,
        mode: options.socketMode,
        ...(gid !== undefined ? { gid } : {}),
        onEvent,
        limits,
        releaseFreedMemory,
      });
    },
  };
}

function socketGroupId(group: string): number {
  const gid = groupId(group, systemAccounts());
  if (gid === undefined) throw new Error(`--socket-group: no group named '${group}'`);
  return gid;
}

/** Refused connections are logged once per uid and limit per this interval. */
const REFUSAL_LOG_INTERVAL_MS = 10_000;

function logTransportEvent(logger: Logger, throttle: LogThrottle, event: UnixTransportEvent): void {
  switch (event.type) {
    case "refused": {
      const admitted = throttle.admit(`${event.limit.name}:${event.credentials.uid}`);
      if (admitted === undefined) break;
      logger.log("warn", "limit-reached", {
        limit: event.limit.name,
        value: event.limit.value,
        uid: event.credentials.uid,
        pid: event.credentials.pid,
        action: "connection-refused",
        refused_since_last: admitted.suppressed || undefined,
      });
      break;
    }
    case "bad-frame":
      logger.log("warn", "bad-frame", { peer: event.peerId, message: event.message });
      break;
    case "handler-error":
      logger.log("error", "handler-error", { peer: event.peerId, message: String(event.error) });
      break;
    case "accept-error":
      logger.log("warn", "accept-error", { message: event.error.message });
      break;
    case "disconnected":
      if (event.limit !== undefined) {
        logger.log("warn", "limit-reached", {
          limit: event.limit.name,
          value: event.limit.value,
          peer: event.peerId,
          uid: event.uid,
          action: "disconnected",
          mid_frame: event.midFrame || undefined,
        });
      } else if (event.reason !== "eof" || event.midFrame) {
        logger.log("debug", "connection-ended", {
          peer: event.peerId,
          reason: event.reason,
          mid_frame: event.midFrame,
          error: event.error?.message,
        });
      }
      break;
    case "connected":
      break;
  }
}
