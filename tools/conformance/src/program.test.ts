// SPDX-License-Identifier: Apache-2.0
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { ClientProgram, ProgramError } from "./program.js";

const FAKE = fileURLToPath(new URL("../fixtures/fake-program.mjs", import.meta.url));
const started: ClientProgram[] = [];
const start = (): ClientProgram => {
  const p = new ClientProgram("fake", FAKE, "/tmp/socket-path-for-test");
  started.push(p);
  return p;
};

afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.shutdown()));
});

describe("ClientProgram", () => {
  it("sends JSON lines and passes the socket in the environment", async () => {
    const p = start();
    expect(await p.send({ op: "echo", network: "shared" }, 5000)).toEqual({
      ok: true,
      got: { op: "echo", network: "shared" },
      socket: "/tmp/socket-path-for-test",
    });
    expect(await p.send({ op: "fail" }, 5000)).toMatchObject({ ok: false, code: 5 });
  });

  it("times out on a program that never answers", async () => {
    const p = start();
    await expect(p.send({ op: "hang" }, 300)).rejects.toThrow(/no result for op hang within 300 ms/);
  });

  it("reports a crash with the program's stderr", async () => {
    const p = start();
    await expect(p.send({ op: "crash" }, 5000)).rejects.toThrow(/exited; stderr: fake program: crashing on purpose/);
  });

  it("rejects output that is not a result object", async () => {
    const p = start();
    await expect(p.send({ op: "garbage" }, 5000)).rejects.toThrow(ProgramError);
  });

  it("handles exit and kill", async () => {
    expect(await start().exitNow(5000)).toEqual({ ok: true, status: 0 });
    const killed = start();
    await killed.kill();
    expect(killed.killed).toBe(true);
    await expect(killed.send({ op: "echo" }, 1000)).rejects.toThrow(/exited/);
  });
});
