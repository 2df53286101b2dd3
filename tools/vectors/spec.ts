// SPDX-License-Identifier: Apache-2.0
/**
 * The readable description of one golden vector. `value` uses the .proto's
 * own field names (snake_case); enums by name or number; 64-bit integers as
 * decimal strings; bytes as Uint8Array. Any message object may carry
 * `$unknown`: fields this schema does not know, which the encoder appends
 * after the known fields (the canonical position every codec re-emits them in).
 */
export interface VectorSpec {
  /** Unique; also the file name (`<name>.bin`). Lower case, [a-z0-9_]. */
  name: string;
  /** Message name inside vmnet_broker.v1, for example "Reply". */
  type: string;
  /** One sentence: what this vector exercises. */
  note: string;
  value: MessageValue;
}

export type MessageValue = { $unknown?: UnknownField[] } & Record<string, unknown>;

/** A field unknown to the schema, written with the given wire type. */
export type UnknownField =
  | { field: number; varint: string }
  | { field: number; fixed64: string }
  | { field: number; bytes: Uint8Array }
  | { field: number; fixed32: number }
  | { field: number; group: UnknownField[] };

export const vector = (name: string, type: string, note: string, value: MessageValue): VectorSpec => ({
  name,
  type,
  note,
  value,
});

/** `length` bytes of a repeating, position-dependent pattern (not all zero). */
export function patternBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + 7) & 0xff;
  return out;
}

/** A printable ASCII string of exactly `length` characters. */
export function longAscii(length: number): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-";
  let s = "";
  for (let i = 0; i < length; i++) s += alphabet[i % alphabet.length];
  return s;
}

export const MAX_UINT32 = 4294967295;
export const MAX_UINT64 = "18446744073709551615";
export const MAX_INT64 = "9223372036854775807";
export const MIN_INT64 = "-9223372036854775808";
