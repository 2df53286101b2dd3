// SPDX-License-Identifier: Apache-2.0
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LIMIT_FLAGS } from "../limit-flags.js";
import { COMMANDS } from "../usage-data.js";
import { generatedDocs } from "./generate.js";

const PACKAGE = join(import.meta.dirname, "../../..");

describe("generated CLI docs", () => {
  it("are current: run `npx nx run broker-daemon:docs` and commit", () => {
    for (const [path, text] of Object.entries(generatedDocs())) {
      expect(readFileSync(join(PACKAGE, path), "utf8"), path).toBe(text);
    }
  });

  it("document every limit flag serve takes", () => {
    const serve = COMMANDS.find((c) => c.name === "serve")?.groups.flatMap((g) => g.options.map((o) => o.name)) ?? [];
    for (const flag of Object.keys(LIMIT_FLAGS)) expect(serve).toContain(`--${flag}`);
  });

  it("give the man page every command and option, exit statuses, environment and files", () => {
    const page = generatedDocs()["man/vmnet-broker.1"] ?? "";
    for (const c of COMMANDS) {
      expect(page).toContain(`.SS ${c.name.replaceAll("-", "\\-")}`);
      for (const o of c.groups.flatMap((g) => g.options)) expect(page).toContain(o.name.replaceAll("-", "\\-"));
    }
    for (const section of ["EXIT STATUS", "ENVIRONMENT", "FILES"]) expect(page).toContain(`.SH ${section}`);
    expect(page).toContain("VMNET_BROKER_SOCKET");
  });
});
