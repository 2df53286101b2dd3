// SPDX-License-Identifier: Apache-2.0
/**
 * Encodes a vector description with protobufjs, an implementation that
 * shares no code with the generated codecs under test. protobufjs drops
 * unknown fields, so the nesting walk is ours: each message's known fields go
 * in field-number order (every scalar, enum and packed field is encoded by
 * protobufjs itself), then its unknown fields, written raw.
 */
import protobuf from "protobufjs";
import type { MessageValue, UnknownField } from "./spec.js";

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_START_GROUP = 3;
const WIRE_END_GROUP = 4;
const WIRE_FIXED32 = 5;
const MAX_FIELD_NUMBER = 536870911;

function tag(writer: protobuf.Writer, field: number, wireType: number): void {
  if (!Number.isInteger(field) || field < 1 || field > MAX_FIELD_NUMBER) {
    throw new RangeError(`unknown field number ${field} is outside 1..${MAX_FIELD_NUMBER}`);
  }
  // field << 3 overflows int32 for large numbers; compute unsigned.
  writer.uint32((field * 8 + wireType) >>> 0);
}

/** Writes unknown fields in the order given (the caller keeps them sorted). */
export function writeUnknown(writer: protobuf.Writer, fields: readonly UnknownField[]): void {
  for (const f of fields) {
    if ("varint" in f) {
      tag(writer, f.field, WIRE_VARINT);
      writer.uint64(f.varint);
    } else if ("fixed64" in f) {
      tag(writer, f.field, WIRE_FIXED64);
      writer.fixed64(f.fixed64);
    } else if ("bytes" in f) {
      tag(writer, f.field, WIRE_LEN);
      writer.bytes(f.bytes);
    } else if ("fixed32" in f) {
      tag(writer, f.field, WIRE_FIXED32);
      writer.fixed32(f.fixed32);
    } else {
      tag(writer, f.field, WIRE_START_GROUP);
      writeUnknown(writer, f.group);
      tag(writer, f.field, WIRE_END_GROUP);
    }
  }
}

/** Canonical order of unknown fields: ascending (field number, wire type). */
function checkUnknownOrder(typeName: string, fields: readonly UnknownField[]): void {
  const key = (f: UnknownField): number => f.field * 8 + wireTypeOf(f);
  for (let i = 1; i < fields.length; i++) {
    const prev = fields[i - 1];
    const cur = fields[i];
    if (prev !== undefined && cur !== undefined && key(prev) > key(cur)) {
      throw new Error(`${typeName}.$unknown: field ${cur.field} comes after ${prev.field}; keep ascending order`);
    }
  }
}

function wireTypeOf(f: UnknownField): number {
  if ("varint" in f) return WIRE_VARINT;
  if ("fixed64" in f) return WIRE_FIXED64;
  if ("bytes" in f) return WIRE_LEN;
  if ("fixed32" in f) return WIRE_FIXED32;
  return WIRE_START_GROUP;
}

/** True when proto3 would not put this singular scalar on the wire. */
function isDefault(field: protobuf.Field, value: unknown): boolean {
  if (field.resolvedType instanceof protobuf.Enum) {
    return value === 0 || value === field.resolvedType.valuesById[0];
  }
  switch (typeof value) {
    case "boolean":
      return value === false;
    case "number":
      return value === 0;
    case "string":
      return value === "" || (field.long && /^-?0+$/.test(value));
    default:
      return value instanceof Uint8Array && value.length === 0;
  }
}

/** Encodes `value` as message `type`, canonically (see protocol/vectors/README.md). */
export function encodeMessage(type: protobuf.Type, value: MessageValue): Uint8Array {
  const known = new Set(type.fieldsArray.map((f) => f.name));
  for (const key of Object.keys(value)) {
    if (key !== "$unknown" && !known.has(key)) {
      throw new Error(`${type.name}: no field named "${key}"`);
    }
  }
  const parts: Uint8Array[] = [];
  const fields = [...type.fieldsArray].sort((a, b) => a.id - b.id);
  for (const field of fields) {
    const v = value[field.name];
    if (v === undefined) continue;
    const child = field.resolvedType;
    if (child instanceof protobuf.Type) {
      const items = field.repeated ? (v as MessageValue[]) : [v as MessageValue];
      for (const item of items) {
        const w = protobuf.Writer.create();
        tag(w, field.id, WIRE_LEN);
        w.bytes(encodeMessage(child, item));
        parts.push(w.finish());
      }
      continue;
    }
    const omitted = field.repeated ? (v as unknown[]).length === 0 : field.partOf === null && isDefault(field, v);
    if (omitted) continue;
    // One scalar, enum or packed field, encoded by protobufjs alone.
    parts.push(type.encode(type.fromObject({ [field.name]: v })).finish());
  }
  const unknown = value.$unknown ?? [];
  checkUnknownOrder(type.name, unknown);
  const w = protobuf.Writer.create();
  writeUnknown(w, unknown);
  parts.push(w.finish());
  return concat(parts);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The same value with every `$unknown` removed, for cross-checks. */
export function withoutUnknown(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUnknown);
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (k !== "$unknown") out[k] = withoutUnknown(v);
  return out;
}
