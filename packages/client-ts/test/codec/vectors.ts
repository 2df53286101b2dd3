// SPDX-License-Identifier: Apache-2.0
/** Loads protocol/vectors/ and maps each vector's type to its generated codec. */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BinaryReader, BinaryWriter } from "@bufbuild/protobuf/wire";
import * as gen from "../../src/gen/vmnet_broker/v1/broker.js";

export interface Codec {
  encode(message: unknown, writer?: BinaryWriter): BinaryWriter;
  decode(input: BinaryReader | Uint8Array, length?: number): unknown;
}

export interface GoldenVector {
  name: string;
  type: string;
  note: string;
  bytes: Uint8Array;
  codec: Codec;
}

export const VECTORS_DIR = join(dirname(fileURLToPath(import.meta.url)), "../../../../protocol/vectors");

/** The generated codec for a fully qualified type name such as "vmnet_broker.v1.Reply". */
export function codecFor(fullName: string): Codec {
  const prefix = `${gen.protobufPackage}.`;
  if (!fullName.startsWith(prefix)) throw new Error(`manifest type "${fullName}" is not in package ${gen.protobufPackage}`);
  const codec = (gen as Record<string, unknown>)[fullName.slice(prefix.length)];
  if (codec === null || typeof codec !== "object" || !("encode" in codec) || !("decode" in codec)) {
    throw new Error(`manifest type "${fullName}" has no generated codec in src/gen`);
  }
  return codec as Codec;
}

export function loadVectors(dir = VECTORS_DIR): GoldenVector[] {
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as {
    name: string;
    type: string;
    file: string;
    note: string;
  }[];
  return manifest.map((entry) => ({
    name: entry.name,
    type: entry.type,
    note: entry.note,
    bytes: new Uint8Array(readFileSync(join(dir, entry.file))),
    codec: codecFor(entry.type),
  }));
}

/** Every codec the generated module exports, by short name. */
export function allCodecs(): Map<string, Codec> {
  const out = new Map<string, Codec>();
  for (const [name, value] of Object.entries(gen)) {
    if (value !== null && typeof value === "object" && "encode" in value && "decode" in value) out.set(name, value as Codec);
  }
  return out;
}
