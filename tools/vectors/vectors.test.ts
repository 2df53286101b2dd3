// SPDX-License-Identifier: Apache-2.0
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { buildAll, loadSchema } from "./build.js";
import { encodeMessage } from "./encode.js";
import { differences, vectorsDir } from "./vector-files.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

describe("committed golden vectors", () => {
  it("equal the generator's output", () => {
    expect(differences()).toEqual([]);
  });

  it("are checked: a changed, a missing and a stray file are all reported", () => {
    const copy = mkdtempSync(join(tmpdir(), "vectors-check-"));
    try {
      cpSync(vectorsDir(), copy, { recursive: true });
      writeFileSync(join(copy, "request_hello.bin"), Uint8Array.of(0x08, 0x02));
      rmSync(join(copy, "reply_status.bin"));
      writeFileSync(join(copy, "stray.bin"), Uint8Array.of(0));
      const problems = differences(copy);
      expect(problems).toHaveLength(3);
      expect(problems.join("\n")).toMatch(
        /request_hello\.bin: bytes differ[\s\S]*reply_status\.bin: missing[\s\S]*stray\.bin: not produced/,
      );
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it("have one byte order in every codec: no field follows a oneof (protobuf-go writes oneof members last)", () => {
    const pkg = loadSchema().lookup("vmnet_broker.v1") as protobuf.Namespace;
    const offenders = pkg.nestedArray
      .filter((n): n is protobuf.Type => n instanceof protobuf.Type)
      .flatMap((type) => {
        const inOneof = type.fieldsArray.filter((f) => f.partOf !== null).map((f) => f.id);
        if (inOneof.length === 0) return [];
        const first = Math.min(...inOneof);
        return type.fieldsArray.filter((f) => f.partOf === null && f.id > first).map((f) => `${type.name}.${f.name}`);
      });
    expect(offenders).toEqual([]);
  });

  it("cover every message type", () => {
    const schema = loadSchema();
    const { manifest } = buildAll();
    const pkg = schema.lookup("vmnet_broker.v1") as protobuf.Namespace;
    const types = pkg.nestedArray.filter((n) => n instanceof protobuf.Type).map((t) => `vmnet_broker.v1.${t.name}`);
    expect(types.filter((t) => !manifest.some((m) => m.type === t))).toEqual([]);
  });
});

describe("encoder", () => {
  const schema = loadSchema();
  const type = (name: string): protobuf.Type => schema.lookupType(`vmnet_broker.v1.${name}`);

  it("omits proto3 defaults but keeps a set oneof member", () => {
    expect(hex(encodeMessage(type("Request"), { id: 0, status: {} }))).toBe("2200");
    expect(hex(encodeMessage(type("Network"), { name: "", mtu: 0, dhcp: false, mode: "NETWORK_MODE_UNSPECIFIED" }))).toBe("");
  });

  it("writes fields in field-number order whatever the description's order", () => {
    expect(hex(encodeMessage(type("Error"), { message: "x", code: 5 }))).toBe("08051201" + "78");
  });

  it("appends unknown fields after known ones, with 5-byte tags for large numbers", () => {
    const bytes = encodeMessage(type("Request"), { id: 1, $unknown: [{ field: 536870911, varint: "1" }] });
    expect(hex(bytes)).toBe("0801" + "f8ffffff0f" + "01");
  });

  it("rejects misspelt fields and unsorted unknown fields", () => {
    expect(() => encodeMessage(type("Request"), { idd: 1 })).toThrow(/no field named "idd"/);
    expect(() =>
      encodeMessage(type("Request"), {
        $unknown: [
          { field: 9, varint: "1" },
          { field: 8, varint: "1" },
        ],
      }),
    ).toThrow(/ascending/);
  });

  it("refuses duplicate vector names", () => {
    const v = { name: "dup", type: "Request", note: "", value: {} };
    expect(() => buildAll([v, v])).toThrow(/used twice/);
  });
});
