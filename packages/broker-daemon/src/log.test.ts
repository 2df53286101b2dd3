// SPDX-License-Identifier: Apache-2.0
import { closeSync, fstatSync, openSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { formatLogLine, journalPrefix, reportFields, stderrIsJournal, stderrLogger } from "./log.js";

describe("log lines", () => {
  it("are logfmt", () => {
    const line = formatLogLine("info", "acquire", { peer: 3, network: "a b", gone: undefined }, new Date(0));
    expect(line).toBe('time=1970-01-01T00:00:00.000Z level=info event=acquire peer=3 network="a b"');
  });

  it("carry sd-daemon priorities for journald", () => {
    expect(["error", "warn", "info", "debug"].map((l) => journalPrefix(l as "info"))).toEqual(["<3>", "<4>", "<6>", "<7>"]);
  });

  it("start with the priority when journald reads them, and only then", () => {
    const write = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    let lines: string[];
    try {
      stderrLogger("debug", true).log("warn", "stop-refused");
      stderrLogger("debug", false).log("warn", "stop-refused");
      lines = write.mock.calls.map(([line]) => String(line).replace(/time=\S+ /, ""));
    } finally {
      write.mockRestore();
    }
    expect(lines).toEqual(["<4>level=warn event=stop-refused\n", "level=warn event=stop-refused\n"]);
  });

  it("go to journald only when stderr is JOURNAL_STREAM's device:inode", () => {
    const fd = openSync("/dev/null", "r");
    try {
      const stat = fstatSync(fd, { bigint: true });
      expect(stderrIsJournal({ JOURNAL_STREAM: `${stat.dev}:${stat.ino}` }, fd)).toBe(true);
      expect(stderrIsJournal({ JOURNAL_STREAM: `${stat.dev}:${stat.ino + 1n}` }, fd)).toBe(false);
      expect(stderrIsJournal({ JOURNAL_STREAM: "" }, fd)).toBe(false);
      expect(stderrIsJournal({}, fd)).toBe(false);
    } finally {
      closeSync(fd);
    }
  });

  it("take reports with snake_case keys", () => {
    expect(reportFields({ dnsmasqPids: [1, 2], tables: [] })).toEqual({ dnsmasq_pids: "1,2", tables: "-" });
  });
});
