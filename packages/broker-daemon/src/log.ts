// SPDX-License-Identifier: Apache-2.0
/**
 * Structured logging: one event per line on stderr, as logfmt
 * (`time=... level=info event=acquire peer=3 network=shared refs=2`), which
 * journald and launchd keep as is and people and tools can both read. Keys are
 * snake_case (src/log-keys.test.ts holds every call site to it).
 */
import { fstatSync } from "node:fs";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, string | number | bigint | boolean | undefined>;

export interface Logger {
  log(level: LogLevel, event: string, fields?: LogFields): void;
}

/** syslog priorities, as sd-daemon(3) prefixes read them: journalctl -p filters on these. */
const PRIORITY: Record<LogLevel, number> = { error: 3, warn: 4, info: 6, debug: 7 };

function quote(value: string): string {
  return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
}

export function formatLogLine(level: LogLevel, event: string, fields: LogFields = {}, now = new Date()): string {
  const parts = [`time=${now.toISOString()}`, `level=${level}`, `event=${event}`];
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) parts.push(`${key}=${quote(String(value))}`);
  }
  return parts.join(" ");
}

/** The `<N>` prefix journald turns into the line's priority (sd-daemon(3)). */
export function journalPrefix(level: LogLevel): string {
  return `<${PRIORITY[level]}>`;
}

/**
 * True when stderr is connected to journald: systemd sets JOURNAL_STREAM to the
 * stream's "device:inode", which stderr must still be (not redirected since).
 */
export function stderrIsJournal(env: NodeJS.ProcessEnv = process.env, fd = 2): boolean {
  const stream = env.JOURNAL_STREAM;
  if (!stream) return false;
  try {
    const stat = fstatSync(fd, { bigint: true });
    return stream === `${stat.dev}:${stat.ino}`;
  } catch {
    return false;
  }
}

export function stderrLogger(minimum: LogLevel = "info", journal = stderrIsJournal()): Logger {
  const order: LogLevel[] = ["debug", "info", "warn", "error"];
  return {
    log(level, event, fields) {
      if (order.indexOf(level) < order.indexOf(minimum)) return;
      const prefix = journal ? journalPrefix(level) : "";
      process.stderr.write(`${prefix}${formatLogLine(level, event, fields)}\n`);
    },
  };
}

/**
 * Fields from a report object: snake_case keys (dnsmasqPids -> dnsmasq_pids),
 * lists joined with commas ("-" when empty).
 */
export function reportFields(report: object): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(report)) {
    out[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = Array.isArray(value) ? value.join(",") || "-" : String(value);
  }
  return out;
}

/** For tests and embedders that do not want output. */
export const silentLogger: Logger = { log() {} };
