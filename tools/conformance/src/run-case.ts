// SPDX-License-Identifier: Apache-2.0
/**
 * Runs one case for one row language against a fresh broker, step by step,
 * every step bounded; always stops every process it started.
 */
import type protobuf from "protobufjs";
import { Broker } from "./broker.js";
import type { Case, ClientStep, Language, Step } from "./case-format.js";
import { Guest } from "./guest.js";
import { programExists, programPath, resolveLanguage } from "./languages.js";
import { mismatches, substitute, valueAt } from "./match.js";
import { ClientProgram } from "./program.js";
import { sendRawFrame } from "./raw-frame.js";
import { hasNetwork, statusView } from "./status-view.js";
import type { Outcome } from "./verdict.js";

const STEP_TIMEOUT_MS = 15_000;
const POLL_MS = 100;

export interface RunContext {
  root: string;
  mainJs: string;
  schema: protobuf.Root;
  available: ReadonlySet<Language>;
  /** Called with a line of progress detail (verbose mode). */
  trace?: (line: string) => void;
}

class StepFailure extends Error {
  override readonly name = "StepFailure";
}

export interface CaseRun {
  outcome: Outcome;
  /** Broker and client stderr tails, for failure reports. */
  logs: string;
}

export async function runCase(ctx: RunContext, c: Case, row: Language): Promise<CaseRun> {
  // Resolve every client's program first: a missing one makes the cell "missing".
  const paths = new Map<string, { language: Language; path: string }>();
  for (const decl of c.clients) {
    const language = resolveLanguage(decl.language, row, ctx.available);
    if (language === undefined) {
      const why = decl.language === "other" ? "no other language has a conformance program" : `no ${decl.language} program`;
      return { outcome: { kind: "missing", reason: `client ${decl.name}: ${why}` }, logs: "" };
    }
    const path = programPath(ctx.root, language);
    if (!programExists(path)) return { outcome: { kind: "missing", reason: `${path} does not exist or is not executable` }, logs: "" };
    paths.set(decl.name, { language, path });
  }

  const broker = new Broker(ctx.mainJs, c.broker);
  const programs = new Map<string, ClientProgram>();
  const guests = new Map<string, Guest>();
  const vars = new Map<string, unknown>();
  const deadline = Date.now() + c.timeout_ms;
  let outcome: Outcome = { kind: "pass" };
  let index = -1;
  let logs = "";
  try {
    await broker.start();
    for (const step of c.steps) {
      index++;
      if (Date.now() > deadline) throw new StepFailure(`case timeout (${c.timeout_ms} ms) reached`);
      ctx.trace?.(`  step ${index}: ${describe(step)}`);
      await runStep(ctx, { broker, programs, guests }, paths, vars, step);
    }
  } catch (e) {
    const where = index >= 0 ? `step ${index} (${describe(c.steps[index])})` : "broker start";
    outcome = { kind: "fail", reason: `${where}: ${e instanceof Error ? e.message : String(e)}` };
  } finally {
    await Promise.all([...programs.values()].map((p) => p.shutdown()));
    await Promise.all([...guests.values()].map((g) => g.remove()));
    logs = [
      `--- broker ${broker.socketPath}\n${broker.log.text}`,
      ...[...programs.values()].map((p) => `--- ${p.label} stderr\n${p.stderr.text}`),
    ].join("\n");
    await broker.dispose();
  }
  return { outcome, logs };
}

function describe(step: Step | undefined): string {
  if (step === undefined) return "?";
  switch (step.kind) {
    case "client":
      return `${step.client} ${step.op}`;
    case "status":
      return "check status";
    case "kill":
      return `kill -9 ${step.client}`;
    case "wait":
      return `wait ${step.ms} ms`;
    case "restart_broker":
      return "restart broker";
    case "kill_broker":
      return "kill -9 broker";
    case "wait_removed":
    case "wait_present":
      return `${step.kind} ${step.network}`;
    case "raw":
      return `raw frame ${JSON.stringify(step.frame)}`;
    case "collect":
      return `collect ${step.client}`;
    case "guest":
      return `guest ${step.guest} on ${step.network} (${step.mac})`;
    case "remove_guest":
      return `remove guest ${step.guest}`;
  }
}

function check(expect: unknown, actual: unknown, vars: ReadonlyMap<string, unknown>): void {
  const problems = mismatches(substitute(expect, vars), actual);
  if (problems.length > 0) throw new StepFailure(`${problems.join("; ")} (result: ${JSON.stringify(actual)})`);
}

/** What a case run has started, for steps to use and the end to stop. */
interface Live {
  readonly broker: Broker;
  readonly programs: Map<string, ClientProgram>;
  readonly guests: Map<string, Guest>;
}

async function runStep(
  ctx: RunContext,
  { broker, programs, guests }: Live,
  paths: ReadonlyMap<string, { language: Language; path: string }>,
  vars: Map<string, unknown>,
  step: Step,
): Promise<void> {
  switch (step.kind) {
    case "client":
      return clientStep(broker, programs, paths, vars, step);
    case "status": {
      // within_ms: poll until the state matches (disconnects are asynchronous).
      const until = Date.now() + (step.within_ms ?? 0);
      for (;;) {
        const view = statusView(await broker.status());
        if (Date.now() >= until) return check(step.expect, view, vars);
        if (mismatches(substitute(step.expect, vars), view).length === 0) return;
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    }
    case "kill": {
      const p = programs.get(step.client);
      if (p === undefined) throw new StepFailure(`client ${step.client} was never started`);
      return p.kill();
    }
    case "wait":
      await new Promise((r) => setTimeout(r, step.ms));
      return;
    case "restart_broker":
      return broker.restart();
    case "kill_broker":
      return broker.kill9();
    case "wait_removed":
    case "wait_present": {
      const want = step.kind === "wait_present";
      const limit = step.timeout_ms ?? broker.idleDelayMs + STEP_TIMEOUT_MS;
      const until = Date.now() + limit;
      for (;;) {
        if (hasNetwork(await broker.status(), step.network) === want) return;
        if (Date.now() > until) {
          throw new StepFailure(`network ${step.network} still ${want ? "absent" : "present"} after ${limit} ms`);
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    }
    case "raw":
      return check(step.expect, await sendRawFrame(ctx.root, ctx.schema, broker.socketPath, step.frame), vars);
    case "collect": {
      const p = programs.get(step.client);
      if (p === undefined) throw new StepFailure(`client ${step.client} was never started`);
      return checkResult(await p.collect("background op", step.timeout_ms ?? STEP_TIMEOUT_MS), step, vars);
    }
    case "guest": {
      if (guests.has(step.guest)) throw new StepFailure(`guest ${step.guest} exists already`);
      const { guest, ip } = await Guest.start(ctx.mainJs, broker.socketPath, step.guest, step.network, step.mac);
      guests.set(step.guest, guest);
      return checkResult({ ip }, step, vars);
    }
    case "remove_guest": {
      const guest = guests.get(step.guest);
      if (guest === undefined) throw new StepFailure(`no guest ${step.guest}`);
      guests.delete(step.guest);
      return guest.remove();
    }
  }
}

async function clientStep(
  broker: Broker,
  programs: Map<string, ClientProgram>,
  paths: ReadonlyMap<string, { language: Language; path: string }>,
  vars: Map<string, unknown>,
  step: ClientStep,
): Promise<void> {
  let p = programs.get(step.client);
  if (p === undefined) {
    const where = paths.get(step.client);
    if (where === undefined) throw new StepFailure(`client ${step.client} has no program`);
    p = new ClientProgram(`${step.client} (${where.language})`, where.path, broker.socketPath);
    programs.set(step.client, p);
  }
  if (p.killed) throw new StepFailure(`client ${step.client} was killed earlier in this case`);
  const timeout = step.timeout_ms ?? STEP_TIMEOUT_MS;
  if (step.background === true) return p.sendBackground({ op: step.op, ...step.args });
  const result = step.op === "exit" ? await p.exitNow(timeout) : await p.send({ op: step.op, ...step.args }, timeout);
  checkResult(result, step, vars);
}

/** Checks a result against the step's expect, then remembers its captures. */
function checkResult(
  result: Record<string, unknown>,
  step: { expect: Record<string, unknown>; capture: Record<string, string> },
  vars: Map<string, unknown>,
): void {
  check(step.expect, result, vars);
  for (const [name, path] of Object.entries(step.capture)) {
    const value = valueAt(result, path);
    if (value === undefined) throw new StepFailure(`capture ${name}: the result has no ${path}: ${JSON.stringify(result)}`);
    vars.set(name, value);
  }
}
