// SPDX-License-Identifier: Apache-2.0
// How each protobuf scalar maps to Swift: type, default, wire type, and the
// expressions that read it from a ProtoReader (`r`) or write it to a
// ProtoWriter (`w`). Read expressions omit `try`; the caller adds it.
import { ScalarType } from "@bufbuild/protobuf";

const varint = ".varint";
const fixed32 = ".fixed32";
const fixed64 = ".fixed64";
const lengthDelimited = ".lengthDelimited";

/** @type {Map<number, {type: string, zero: string, wire: string, read: (r: string) => string, write: (w: string, v: string) => string, isSet: (v: string) => string}>} */
export const scalars = new Map([
  [
    ScalarType.DOUBLE,
    {
      type: "Double",
      zero: "0",
      wire: fixed64,
      read: (r) => `Double(bitPattern: ${r}.readFixed64())`,
      write: (w, v) => `${w}.writeFixed64(${v}.bitPattern)`,
      isSet: (v) => `${v}.bitPattern != 0`,
    },
  ],
  [
    ScalarType.FLOAT,
    {
      type: "Float",
      zero: "0",
      wire: fixed32,
      read: (r) => `Float(bitPattern: ${r}.readFixed32())`,
      write: (w, v) => `${w}.writeFixed32(${v}.bitPattern)`,
      isSet: (v) => `${v}.bitPattern != 0`,
    },
  ],
  [
    ScalarType.INT64,
    {
      type: "Int64",
      zero: "0",
      wire: varint,
      read: (r) => `Int64(bitPattern: ${r}.readVarint())`,
      write: (w, v) => `${w}.writeVarint(UInt64(bitPattern: ${v}))`,
      isSet: (v) => `${v} != 0`,
    },
  ],
  [
    ScalarType.UINT64,
    {
      type: "UInt64",
      zero: "0",
      wire: varint,
      read: (r) => `${r}.readVarint()`,
      write: (w, v) => `${w}.writeVarint(${v})`,
      isSet: (v) => `${v} != 0`,
    },
  ],
  [
    ScalarType.INT32,
    {
      type: "Int32",
      zero: "0",
      wire: varint,
      read: (r) => `Int32(truncatingIfNeeded: ${r}.readVarint())`,
      // Negative int32 values are sign-extended to 10 bytes, as the spec requires.
      write: (w, v) => `${w}.writeVarint(UInt64(bitPattern: Int64(${v})))`,
      isSet: (v) => `${v} != 0`,
    },
  ],
  [
    ScalarType.FIXED64,
    {
      type: "UInt64",
      zero: "0",
      wire: fixed64,
      read: (r) => `${r}.readFixed64()`,
      write: (w, v) => `${w}.writeFixed64(${v})`,
      isSet: (v) => `${v} != 0`,
    },
  ],
  [
    ScalarType.FIXED32,
    {
      type: "UInt32",
      zero: "0",
      wire: fixed32,
      read: (r) => `${r}.readFixed32()`,
      write: (w, v) => `${w}.writeFixed32(${v})`,
      isSet: (v) => `${v} != 0`,
    },
  ],
  [
    ScalarType.BOOL,
    {
      type: "Bool",
      zero: "false",
      wire: varint,
      read: (r) => `${r}.readVarint() != 0`,
      write: (w, v) => `${w}.writeVarint(${v} ? 1 : 0)`,
      isSet: (v) => v,
    },
  ],
  [
    ScalarType.STRING,
    {
      type: "String",
      zero: '""',
      wire: lengthDelimited,
      read: (r) => `${r}.readString()`,
      write: (w, v) => `${w}.writeString(${v})`,
      isSet: (v) => `!${v}.isEmpty`,
    },
  ],
  [
    ScalarType.BYTES,
    {
      type: "[UInt8]",
      zero: "[]",
      wire: lengthDelimited,
      read: (r) => `${r}.readBytes()`,
      write: (w, v) => `${w}.writeBytes(${v})`,
      isSet: (v) => `!${v}.isEmpty`,
    },
  ],
  [
    ScalarType.UINT32,
    {
      type: "UInt32",
      zero: "0",
      wire: varint,
      read: (r) => `UInt32(truncatingIfNeeded: ${r}.readVarint())`,
      write: (w, v) => `${w}.writeVarint(UInt64(${v}))`,
      isSet: (v) => `${v} != 0`,
    },
  ],
  [
    ScalarType.SFIXED32,
    {
      type: "Int32",
      zero: "0",
      wire: fixed32,
      read: (r) => `Int32(bitPattern: ${r}.readFixed32())`,
      write: (w, v) => `${w}.writeFixed32(UInt32(bitPattern: ${v}))`,
      isSet: (v) => `${v} != 0`,
    },
  ],
  [
    ScalarType.SFIXED64,
    {
      type: "Int64",
      zero: "0",
      wire: fixed64,
      read: (r) => `Int64(bitPattern: ${r}.readFixed64())`,
      write: (w, v) => `${w}.writeFixed64(UInt64(bitPattern: ${v}))`,
      isSet: (v) => `${v} != 0`,
    },
  ],
  [
    ScalarType.SINT32,
    {
      type: "Int32",
      zero: "0",
      wire: varint,
      read: (r) => `ProtoZigZag.decode(UInt32(truncatingIfNeeded: ${r}.readVarint()))`,
      write: (w, v) => `${w}.writeVarint(ProtoZigZag.encode(${v}))`,
      isSet: (v) => `${v} != 0`,
    },
  ],
  [
    ScalarType.SINT64,
    {
      type: "Int64",
      zero: "0",
      wire: varint,
      read: (r) => `ProtoZigZag.decode(${r}.readVarint())`,
      write: (w, v) => `${w}.writeVarint(ProtoZigZag.encode(${v}))`,
      isSet: (v) => `${v} != 0`,
    },
  ],
]);

/** The Swift coding of an enum type, shaped like a scalar entry. */
export function enumCoding(swiftName) {
  return {
    type: swiftName,
    zero: `${swiftName}(rawValue: 0)`,
    wire: varint,
    read: (r) => `${swiftName}(rawValue: Int32(truncatingIfNeeded: ${r}.readVarint()))`,
    write: (w, v) => `${w}.writeVarint(UInt64(bitPattern: Int64(${v}.rawValue)))`,
    isSet: (v) => `${v}.rawValue != 0`,
  };
}

/** Wire type of varint/fixed scalars, which repeated fields pack. */
export function isPackable(coding) {
  return coding.wire !== lengthDelimited;
}
