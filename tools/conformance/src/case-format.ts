// SPDX-License-Identifier: Apache-2.0
/**
 * The conformance case format (protocol/conformance/README.md), validated
 * with errors that name the file, the step and the field.
 */
export const LANGUAGES = ["ts", "c", "go", "swift"] as const;
export type Language = (typeof LANGUAGES)[number];

/** Which program a simulated client runs: the row's language, another one, or a fixed one. */
export type LanguageChoice = "same" | "other" | Language;

export interface ClientDecl {
  name: string;
  language: LanguageChoice;
}

export interface BrokerSettings {
  idle_delay_ms?: number;
  max_networks_per_peer?: number;
  /** `serve --vhost-net-device`: what the broker opens for vhost_net (a path that does not exist makes it UNSUPPORTED). */
  vhost_net_device?: string;
  /** Extra config files: network name -> JSON body. */
  networks?: Record<string, Record<string, unknown>>;
}

export type Expect = Record<string, unknown>;

export interface ClientStep {
  kind: "client";
  client: string;
  op: string;
  /** Everything sent to the program besides `op`. */
  args: Record<string, unknown>;
  expect: Expect;
  /** Result paths to remember, e.g. {gw: "network.gateway"}; "${gw}" in later expects. */
  capture: Record<string, string>;
  timeout_ms?: number;
  /** Send without reading the result; a later `collect` step reads it. */
  background?: boolean;
}

export type RawFrame = { hex: string } | { vector: string } | { length: number };

export type Step =
  | ClientStep
  | { kind: "status"; expect: Expect; within_ms?: number }
  | { kind: "kill"; client: string }
  | { kind: "wait"; ms: number }
  | { kind: "restart_broker" }
  | { kind: "kill_broker" }
  | { kind: "wait_removed"; network: string; timeout_ms?: number }
  | { kind: "wait_present"; network: string; timeout_ms?: number }
  | { kind: "raw"; frame: RawFrame; expect: Expect }
  | { kind: "collect"; client: string; expect: Expect; capture: Record<string, string>; timeout_ms?: number }
  | { kind: "guest"; guest: string; network: string; mac: string; expect: Expect; capture: Record<string, string> }
  | { kind: "remove_guest"; guest: string };

export interface Case {
  name: string;
  description: string;
  file: string;
  broker: BrokerSettings;
  clients: ClientDecl[];
  steps: Step[];
  timeout_ms: number;
}

export const DEFAULT_CASE_TIMEOUT_MS = 120_000;
const CASE_NAME = /^[a-z0-9-]+\/[a-z0-9-]+$/;
const CLIENT_OPS = new Set([
  "connect",
  "hello",
  "acquire",
  "status",
  "open_tap",
  "tap_probe",
  "close_taps",
  "pipeline",
  "wait_lease",
  "subscribe",
  "next_event",
  "close",
  "exit",
]);
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export class CaseError extends Error {
  override readonly name = "CaseError";
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function onlyKeys(where: string, o: Obj, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw new CaseError(`${where}: unknown field "${k}" (allowed: ${allowed.join(", ")})`);
  }
}

function nonNegInt(where: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw new CaseError(`${where}: must be a non-negative integer`);
  return v;
}

function str(where: string, v: unknown): string {
  if (typeof v !== "string" || v === "") throw new CaseError(`${where}: must be a non-empty string`);
  return v;
}

function expectOf(where: string, v: unknown): Expect {
  if (v === undefined) return {};
  if (!isObj(v)) throw new CaseError(`${where}.expect: must be a mapping`);
  return v;
}

/** A client step's expectation: `ok: true` unless it names an error code. */
function clientExpect(where: string, v: unknown): Expect {
  const e = expectOf(where, v);
  if (e.ok === undefined) return { ok: !("code" in e), ...e };
  return e;
}

function parseClients(where: string, v: unknown): ClientDecl[] {
  if (!Array.isArray(v) || v.length === 0) throw new CaseError(`${where}.clients: must be a non-empty list`);
  const out = v.map((c, i): ClientDecl => {
    if (typeof c === "string") return { name: str(`${where}.clients[${i}]`, c), language: "same" };
    if (!isObj(c)) throw new CaseError(`${where}.clients[${i}]: must be a name or {name, language}`);
    onlyKeys(`${where}.clients[${i}]`, c, ["name", "language"]);
    const language = c.language ?? "same";
    if (language !== "same" && language !== "other" && !LANGUAGES.includes(language as Language)) {
      throw new CaseError(`${where}.clients[${i}].language: must be same, other, or one of ${LANGUAGES.join(", ")}`);
    }
    return { name: str(`${where}.clients[${i}].name`, c.name), language: language as LanguageChoice };
  });
  const names = out.map((c) => c.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new CaseError(`${where}.clients: "${dup}" is declared twice`);
  return out;
}

function parseBroker(where: string, v: unknown): BrokerSettings {
  if (v === undefined) return {};
  if (!isObj(v)) throw new CaseError(`${where}.broker: must be a mapping`);
  onlyKeys(`${where}.broker`, v, ["idle_delay_ms", "max_networks_per_peer", "vhost_net_device", "networks"]);
  const out: BrokerSettings = {};
  if (v.idle_delay_ms !== undefined) out.idle_delay_ms = nonNegInt(`${where}.broker.idle_delay_ms`, v.idle_delay_ms);
  if (v.max_networks_per_peer !== undefined) {
    out.max_networks_per_peer = nonNegInt(`${where}.broker.max_networks_per_peer`, v.max_networks_per_peer);
  }
  if (v.vhost_net_device !== undefined) {
    if (typeof v.vhost_net_device !== "string" || !v.vhost_net_device.startsWith("/")) {
      throw new CaseError(`${where}.broker.vhost_net_device: must be an absolute path`);
    }
    out.vhost_net_device = v.vhost_net_device;
  }
  if (v.networks !== undefined) {
    if (!isObj(v.networks)) throw new CaseError(`${where}.broker.networks: must map network names to JSON bodies`);
    for (const [name, body] of Object.entries(v.networks)) {
      if (!/^[a-z0-9][a-z0-9_-]{0,31}$/.test(name)) throw new CaseError(`${where}.broker.networks.${name}: not a network name`);
      if (!isObj(body)) throw new CaseError(`${where}.broker.networks.${name}: must be a mapping (the file's JSON body)`);
    }
    out.networks = v.networks as Record<string, Record<string, unknown>>;
  }
  return out;
}

function parseRaw(where: string, v: unknown): RawFrame {
  if (!isObj(v)) throw new CaseError(`${where}.raw: must be {hex}, {vector} or {length}`);
  onlyKeys(`${where}.raw`, v, ["hex", "vector", "length"]);
  if (Object.keys(v).length !== 1) throw new CaseError(`${where}.raw: give exactly one of hex, vector, length`);
  if (v.hex !== undefined) {
    if (typeof v.hex !== "string" || !/^([0-9a-f]{2})*$/i.test(v.hex.replace(/\s+/g, ""))) {
      throw new CaseError(`${where}.raw.hex: must be hex digits (spaces allowed)`);
    }
    return { hex: v.hex.replace(/\s+/g, "") };
  }
  if (v.vector !== undefined) return { vector: str(`${where}.raw.vector`, v.vector) };
  return { length: nonNegInt(`${where}.raw.length`, v.length) };
}

function parseStep(where: string, s: unknown, clients: ReadonlySet<string>): Step {
  if (!isObj(s)) throw new CaseError(`${where}: must be a mapping`);
  const clientName = (v: unknown): string => {
    const name = str(`${where}.client`, v);
    if (!clients.has(name)) throw new CaseError(`${where}: client "${name}" is not in clients`);
    return name;
  };
  const timeout = s.timeout_ms === undefined ? {} : { timeout_ms: nonNegInt(`${where}.timeout_ms`, s.timeout_ms) };
  if (s.op !== undefined) {
    const op = str(`${where}.op`, s.op);
    if (!CLIENT_OPS.has(op)) throw new CaseError(`${where}.op: unknown op "${op}" (known: ${[...CLIENT_OPS].join(", ")})`);
    const { client, op: _op, expect, capture, timeout_ms: _t, background, ...args } = s;
    if (background !== undefined && background !== true) throw new CaseError(`${where}.background: must be true`);
    if (background === true && (expect !== undefined || capture !== undefined)) {
      throw new CaseError(`${where}: a background step has no result yet; expect and capture go on its collect step`);
    }
    return {
      kind: "client",
      client: clientName(client),
      op,
      args,
      expect: clientExpect(where, expect),
      capture: capturesOf(where, capture),
      ...timeout,
      ...(background === true ? { background } : {}),
    };
  }
  if (s.collect !== undefined) {
    onlyKeys(where, s, ["collect", "expect", "capture", "timeout_ms"]);
    return {
      kind: "collect",
      client: clientName(s.collect),
      expect: clientExpect(where, s.expect),
      capture: capturesOf(where, s.capture),
      ...timeout,
    };
  }
  if (s.guest !== undefined) {
    onlyKeys(where, s, ["guest", "network", "mac", "expect", "capture"]);
    const mac = str(`${where}.mac`, s.mac);
    if (!MAC.test(mac)) throw new CaseError(`${where}.mac: must be six lower-case hex octets separated by ':'`);
    return {
      kind: "guest",
      guest: str(`${where}.guest`, s.guest),
      network: str(`${where}.network`, s.network),
      mac,
      expect: expectOf(where, s.expect),
      capture: capturesOf(where, s.capture),
    };
  }
  if (s.remove_guest !== undefined) {
    onlyKeys(where, s, ["remove_guest"]);
    return { kind: "remove_guest", guest: str(`${where}.remove_guest`, s.remove_guest) };
  }
  if (s.check !== undefined) {
    onlyKeys(where, s, ["check", "expect", "within_ms"]);
    if (s.check !== "status") throw new CaseError(`${where}.check: only "status" is known`);
    const within = s.within_ms === undefined ? {} : { within_ms: nonNegInt(`${where}.within_ms`, s.within_ms) };
    return { kind: "status", expect: expectOf(where, s.expect), ...within };
  }
  if (s.kill !== undefined) {
    onlyKeys(where, s, ["kill"]);
    return { kind: "kill", client: clientName(s.kill) };
  }
  if (s.wait_ms !== undefined) {
    onlyKeys(where, s, ["wait_ms"]);
    return { kind: "wait", ms: nonNegInt(`${where}.wait_ms`, s.wait_ms) };
  }
  if (s.restart_broker !== undefined) {
    onlyKeys(where, s, ["restart_broker"]);
    if (s.restart_broker !== true) throw new CaseError(`${where}.restart_broker: must be true`);
    return { kind: "restart_broker" };
  }
  if (s.kill_broker !== undefined) {
    onlyKeys(where, s, ["kill_broker"]);
    if (s.kill_broker !== true) throw new CaseError(`${where}.kill_broker: must be true`);
    return { kind: "kill_broker" };
  }
  if (s.wait_removed !== undefined || s.wait_present !== undefined) {
    const kind = s.wait_removed !== undefined ? "wait_removed" : "wait_present";
    onlyKeys(where, s, [kind, "timeout_ms"]);
    return { kind, network: str(`${where}.${kind}`, s[kind]), ...timeout };
  }
  if (s.raw !== undefined) {
    onlyKeys(where, s, ["raw", "expect"]);
    return { kind: "raw", frame: parseRaw(where, s.raw), expect: expectOf(where, s.expect) };
  }
  throw new CaseError(
    `${where}: a step needs one of op, collect, check, kill, wait_ms, restart_broker, kill_broker, wait_removed, wait_present, raw, guest, remove_guest`,
  );
}

function capturesOf(where: string, v: unknown): Record<string, string> {
  const captures = v ?? {};
  if (!isObj(captures) || !Object.values(captures).every((p) => typeof p === "string")) {
    throw new CaseError(`${where}.capture: must map names to result paths like network.gateway`);
  }
  return captures as Record<string, string>;
}

/** Validates one YAML document as a case; `file` is only for messages. */
export function parseCase(file: string, doc: unknown): Case {
  if (!isObj(doc)) throw new CaseError(`${file}: a case must be a mapping`);
  onlyKeys(file, doc, ["name", "description", "broker", "clients", "steps", "timeout_ms"]);
  const name = str(`${file}: name`, doc.name);
  if (!CASE_NAME.test(name)) throw new CaseError(`${file}: name "${name}" must look like area/case (lower case, digits, '-')`);
  const where = `${file}: ${name}`;
  const clients = parseClients(where, doc.clients);
  const names = new Set(clients.map((c) => c.name));
  if (!Array.isArray(doc.steps) || doc.steps.length === 0) throw new CaseError(`${where}.steps: must be a non-empty list`);
  const steps = doc.steps.map((s, i) => parseStep(`${where}.steps[${i}]`, s, names));
  return {
    name,
    description: typeof doc.description === "string" ? doc.description : "",
    file,
    broker: parseBroker(where, doc.broker),
    clients,
    steps,
    timeout_ms: doc.timeout_ms === undefined ? DEFAULT_CASE_TIMEOUT_MS : nonNegInt(`${where}.timeout_ms`, doc.timeout_ms),
  };
}
