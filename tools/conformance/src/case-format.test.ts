// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from "vitest";
import { CaseError, parseCase } from "./case-format.js";
import { parseCaseFile } from "./load-cases.js";

const minimal = {
  name: "acquire/shared",
  clients: ["a"],
  steps: [{ client: "a", op: "connect" }],
};

describe("parseCase", () => {
  it("fills defaults: same language, ok:true expectation, no captures", () => {
    const c = parseCase("x.yaml", minimal);
    expect(c.clients).toEqual([{ name: "a", language: "same" }]);
    expect(c.steps[0]).toEqual({ kind: "client", client: "a", op: "connect", args: {}, expect: { ok: true }, capture: {} });
  });

  it("turns an expected code into ok:false and passes other fields to the program", () => {
    const c = parseCase("x.yaml", { ...minimal, steps: [{ client: "a", op: "acquire", network: "nope", expect: { code: 5 } }] });
    expect(c.steps[0]).toMatchObject({ args: { network: "nope" }, expect: { ok: false, code: 5 } });
  });

  it("parses background ops, their collect, and guests", () => {
    const ip = "$" + "{ip}"; // a case's variable, not a template
    const c = parseCase("x.yaml", {
      ...minimal,
      steps: [
        { client: "a", op: "wait_lease", network: "shared", mac: "52:54:00:00:00:01", wait_ms: 1000, background: true },
        { guest: "g", network: "shared", mac: "52:54:00:00:00:01", capture: { ip: "ip" } },
        { collect: "a", expect: { lease: { ip } }, timeout_ms: 5000 },
        { remove_guest: "g" },
      ],
    });
    expect(c.steps.map((s) => s.kind)).toEqual(["client", "guest", "collect", "remove_guest"]);
    expect(c.steps[0]).toMatchObject({ background: true, args: { network: "shared", wait_ms: 1000 } });
    expect(c.steps[2]).toMatchObject({ client: "a", expect: { ok: true, lease: { ip } }, timeout_ms: 5000 });
    const bad = (step: Record<string, unknown>) => () => parseCase("x.yaml", { ...minimal, steps: [step] });
    expect(bad({ client: "a", op: "wait_lease", background: true, expect: { ok: true } })).toThrow(/collect step/);
    expect(bad({ guest: "g", network: "shared", mac: "52:54:00:00:00:0G" })).toThrow(/mac/);
    expect(bad({ collect: "nobody" })).toThrow(/not in clients/);
  });

  it("parses every runner-side step", () => {
    const c = parseCase("x.yaml", {
      ...minimal,
      broker: { idle_delay_ms: 300, max_networks_per_peer: 2, networks: { lab: { mode: "host" } } },
      clients: ["a", { name: "b", language: "other" }],
      steps: [
        { check: "status", expect: { peers: 1 }, within_ms: 500 },
        { kill: "b" },
        { wait_ms: 10 },
        { restart_broker: true },
        { kill_broker: true },
        { wait_removed: "shared", timeout_ms: 100 },
        { wait_present: "host" },
        { raw: { hex: "0a 0b" }, expect: { code: 4 } },
        { raw: { vector: "request_empty" } },
        { raw: { length: 65537 } },
      ],
    });
    expect(c.steps.map((s) => s.kind)).toEqual([
      "status",
      "kill",
      "wait",
      "restart_broker",
      "kill_broker",
      "wait_removed",
      "wait_present",
      "raw",
      "raw",
      "raw",
    ]);
    expect(c.steps[7]).toEqual({ kind: "raw", frame: { hex: "0a0b" }, expect: { code: 4 } });
    expect(c.broker.networks).toEqual({ lab: { mode: "host" } });
  });

  it.each([
    [{ ...minimal, name: "Bad Name" }, /area\/case/],
    [{ ...minimal, steps: [{ client: "z", op: "connect" }] }, /client "z" is not in clients/],
    [{ ...minimal, steps: [{ client: "a", op: "fly" }] }, /unknown op "fly"/],
    [{ ...minimal, steps: [{ frobnicate: 1 }] }, /steps\[0\]: a step needs one of/],
    [{ ...minimal, steps: [{ check: "status", expct: {} }] }, /unknown field "expct"/],
    [{ ...minimal, clients: ["a", "a"] }, /"a" is declared twice/],
    [{ ...minimal, clients: [{ name: "a", language: "rust" }] }, /language: must be same, other/],
    [{ ...minimal, broker: { idle_delay_ms: -1 } }, /idle_delay_ms: must be a non-negative integer/],
    [{ ...minimal, broker: { networks: { "Bad!": {} } } }, /not a network name/],
    [{ ...minimal, steps: [{ raw: { hex: "zz" } }] }, /raw.hex: must be hex/],
    [{ ...minimal, steps: [{ raw: { hex: "00", length: 1 } }] }, /exactly one of/],
    [{ ...minimal, steps: [] }, /steps: must be a non-empty list/],
    [{ ...minimal, extra: 1 }, /unknown field "extra"/],
  ])("rejects %j", (doc, message) => {
    expect(() => parseCase("x.yaml", doc)).toThrow(CaseError);
    expect(() => parseCase("x.yaml", doc)).toThrow(message);
  });
});

describe("parseCaseFile", () => {
  it("reads several YAML documents and names the file in errors", () => {
    const text =
      "name: a/one\nclients: [a]\nsteps: [{client: a, op: connect}]\n---\nname: a/two\nclients: [a]\nsteps: [{client: a, op: close}]\n";
    expect(parseCaseFile("f.yaml", text).map((c) => c.name)).toEqual(["a/one", "a/two"]);
    expect(() => parseCaseFile("f.yaml", "name: [unclosed")).toThrow(/f\.yaml: YAML error/);
  });
});
