// SPDX-License-Identifier: Apache-2.0
/**
 * The conformance runner: every case for every language against a live,
 * sandboxed broker; prints one table and exits 1 on any unexpected result.
 *
 *   node tools/conformance/dist/main.js [--lang ts,go] [--case 'acquire/*'] [--verbose] [--list]
 *                                       [--program ts=path/to/other/run]
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Broker } from "./broker.js";
import { type Case, LANGUAGES, type Language } from "./case-format.js";
import { loadKnownFailing, matcher } from "./known-failing.js";
import { overrideProgram, programExists, programPath } from "./languages.js";
import { loadCases } from "./load-cases.js";
import { killAllGroups } from "./process-group.js";
import { loadSchema } from "./raw-frame.js";
import { repoRoot } from "./repo-root.js";
import { runCase } from "./run-case.js";
import { formatTable } from "./table.js";
import { type Cell, isUnexpected, verdict } from "./verdict.js";

function usage(message: string): never {
  process.stderr.write(
    `conformance: ${message}\nusage: main.js [--lang ts,c,go,swift] [--case PATTERN]... [--program LANG=PATH]... [--verbose] [--list]\n`,
  );
  process.exit(2);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      lang: { type: "string" },
      case: { type: "string", multiple: true },
      verbose: { type: "boolean" },
      list: { type: "boolean" },
      program: { type: "string", multiple: true },
    },
  });
  for (const spec of values.program ?? []) {
    const [lang, path] = spec.split("=", 2);
    if (!LANGUAGES.includes(lang as Language) || !path) usage(`--program wants LANG=PATH, not "${spec}"`);
    overrideProgram(lang as Language, resolve(path));
  }
  const root = repoRoot();
  const confDir = join(root, "protocol", "conformance");
  let cases: Case[] = loadCases(join(confDir, "cases"), root);
  if (values.case !== undefined) {
    const wanted = matcher(values.case);
    cases = cases.filter((c) => wanted(c.name));
    if (cases.length === 0) usage(`no case matches ${values.case.join(", ")}`);
  }
  if (values.list) {
    for (const c of cases) process.stdout.write(`${c.name}\t${c.description}\n`);
    return 0;
  }
  const languages = (values.lang?.split(",") ?? [...LANGUAGES]) as Language[];
  for (const l of languages) if (!LANGUAGES.includes(l)) usage(`unknown language "${l}"`);

  const mainJs = join(root, "packages", "broker-daemon", "dist", "cli", "main.js");
  if (!existsSync(mainJs)) {
    process.stderr.write(`conformance: ${mainJs} is missing: build the daemon first (npx nx run broker-daemon:build)\n`);
    return 2;
  }
  if (process.getuid?.() !== 0) process.stderr.write("conformance: not root: the broker's sandbox may fail to start\n");

  const available = new Set(LANGUAGES.filter((l) => programExists(programPath(root, l))));
  const schema = loadSchema(root);
  const known = new Map(languages.map((l) => [l, loadKnownFailing(join(confDir, "known-failing", `${l}.txt`))]));
  const cells = new Map<string, Cell>();
  const failures: string[] = [];
  let logDir: string | undefined; // made on the first failure only
  let keptLogs = 0;

  for (const l of languages) {
    for (const c of cases) {
      const trace = values.verbose ? (line: string) => process.stderr.write(`${line}\n`) : undefined;
      const run = await runCase({ root, mainJs, schema, available, ...(trace ? { trace } : {}) }, c, l);
      const cell = verdict(run.outcome, known.get(l)?.isKnown(c.name) ?? false);
      cells.set(`${c.name}\t${l}`, cell);
      process.stderr.write(`${l.padEnd(5)} ${c.name.padEnd(40)} ${cell}\n`);
      if (run.outcome.kind !== "pass") {
        let detail = `${cell} ${c.name} [${l}]: ${run.outcome.reason}`;
        if (run.outcome.kind === "fail") {
          logDir ??= mkdtempSync(join(tmpdir(), "vmnet-conformance-logs-"));
          const file = join(logDir, `${l}-${c.name.replace("/", "--")}.log`);
          writeFileSync(file, run.logs);
          keptLogs++;
          detail += `\n    logs: ${file}`;
        }
        failures.push(detail);
      } else if (cell === "XPASS") {
        failures.push(`XPASS ${c.name} [${l}]: passes but is listed in known-failing/${l}.txt; remove it from the list`);
      }
    }
  }

  process.stdout.write(
    `\n${formatTable(
      cases.map((c) => c.name),
      languages,
      (c, l) => cells.get(`${c}\t${l}`) ?? "MISSING",
    )}`,
  );
  const unexpected = [...cells.values()].filter(isUnexpected).length;
  if (failures.length > 0) process.stdout.write(`\n${failures.join("\n")}\n`);
  const counts = (cell: Cell) => [...cells.values()].filter((c) => c === cell).length;
  process.stdout.write(
    `\n${cells.size} runs: ${counts("pass")} pass, ${counts("xfail")} xfail, ${counts("missing")} missing (listed), ` +
      `${unexpected} unexpected${logDir !== undefined ? `; ${keptLogs} failure logs in ${logDir}` : ""}\n`,
  );
  if (Broker.retries > 0) {
    process.stdout.write(
      `note: ${Broker.retries} broker start(s) or status read(s) were retried: a build was replacing the daemon's files\n`,
    );
  }
  return unexpected > 0 ? 1 : 0;
}

// Children run in their own process groups, out of reach of a terminal's Ctrl-C:
// take them down with the runner.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(signal, () => {
    killAllGroups();
    for (const dir of Broker.liveDirs) rmSync(dir, { recursive: true, force: true });
    process.stderr.write(`conformance: ${signal}: killed every broker and program this run started, removed their directories\n`);
    process.exit(130);
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`conformance: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  },
);
