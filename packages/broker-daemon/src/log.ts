/**
 * Structured logging: one event per line on stderr, as logfmt
 * (`time=... level=info event=acquire peer=3 network=shared refs=2`), which
 * journald and launchd keep as is and people and tools can both read.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, string | number | bigint | boolean | undefined>;

export interface Logger {
  log(level: LogLevel, event: string, fields?: LogFields): void;
}

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

export function stderrLogger(minimum: LogLevel = "info"): Logger {
  const order: LogLevel[] = ["debug", "info", "warn", "error"];
  return {
    log(level, event, fields) {
      if (order.indexOf(level) >= order.indexOf(minimum)) process.stderr.write(`${formatLogLine(level, event, fields)}\n`);
    },
  };
}

/** For tests and embedders that do not want output. */
export const silentLogger: Logger = { log() {} };
