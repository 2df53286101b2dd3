// SPDX-License-Identifier: Apache-2.0
// Swift source for one protobuf message: a struct with its fields, its oneofs
// as enums with associated values, nested types, and the ProtoMessage coding.
import { docLines } from "./comments.mjs";
import { enumLines } from "./enum.mjs";
import { memberName, swiftTypeName, upperCamel } from "./names.mjs";
import { enumCoding, isPackable, scalars } from "./scalars.mjs";

/** Raised for protobuf features this generator does not support. */
export class UnsupportedError extends Error {}

/** The Swift coding of a field's element (scalar, enum, or message). */
function elementCoding(field) {
  const kind = field.fieldKind === "list" ? field.listKind : field.fieldKind;
  if (kind === "scalar") return scalars.get(field.scalar);
  if (kind === "enum") return enumCoding(swiftTypeName(field.enum));
  if (kind === "message") {
    const type = swiftTypeName(field.message);
    return { type, message: true, wire: ".lengthDelimited" };
  }
  throw new UnsupportedError(`${field.parent.typeName}.${field.name}: ${field.fieldKind} fields are not supported`);
}

const isOptionalScalar = (field) => field.proto.proto3Optional === true;

/** Statements that decode one occurrence of `field` from `reader`. */
function decodeCase(field, coding, wire, indent) {
  const name = memberName(field);
  const out = [];
  if (field.oneof !== undefined) {
    const oneof = memberName(field.oneof);
    const caseName = memberName(field);
    if (coding.message) {
      out.push(`var value = ${coding.type}()`);
      out.push(`if case .${caseName}(let existing)? = ${oneof} { value = existing }`);
      out.push("try reader.readMessage(into: &value)");
      out.push(`${oneof} = .${caseName}(value)`);
    } else {
      out.push(`${oneof} = try .${caseName}(${coding.read("reader")})`);
    }
  } else if (field.fieldKind === "list") {
    if (coding.message) {
      out.push(`var value = ${coding.type}()`);
      out.push("try reader.readMessage(into: &value)");
      out.push(`${name}.append(value)`);
    } else if (wire === ".lengthDelimited" && isPackable(coding)) {
      out.push(`try reader.readPacked { packed in try ${name}.append(${coding.read("packed")}) }`);
    } else {
      out.push(`try ${name}.append(${coding.read("reader")})`);
    }
  } else if (coding.message) {
    out.push(`var value = ${name} ?? ${coding.type}()`);
    out.push("try reader.readMessage(into: &value)");
    out.push(`${name} = value`);
  } else {
    out.push(`${name} = try ${coding.read("reader")}`);
  }
  return [`${indent}case (${field.number}, ${wire}):`, ...out.map((line) => `${indent}  ${line}`)];
}

/** Statements that encode `field` when it is set. */
function encodeLines(field, coding, indent) {
  const name = memberName(field);
  const tag = `writer.writeTag(${field.number}, ${coding.wire})`;
  const writeValue = (v) => (coding.message ? `writer.writeMessage(${v})` : coding.write("writer", v));
  if (field.oneof !== undefined) {
    return [
      `${indent}if case .${memberName(field)}(let value)? = ${memberName(field.oneof)} {`,
      `${indent}  ${tag}`,
      `${indent}  ${writeValue("value")}`,
      `${indent}}`,
    ];
  }
  if (field.fieldKind === "list") {
    if (!coding.message && field.packed && isPackable(coding)) {
      return [
        `${indent}if !${name}.isEmpty {`,
        `${indent}  writer.writeTag(${field.number}, .lengthDelimited)`,
        `${indent}  writer.writePacked { packed in`,
        `${indent}    for value in ${name} { ${coding.write("packed", "value")} }`,
        `${indent}  }`,
        `${indent}}`,
      ];
    }
    return [`${indent}for value in ${name} {`, `${indent}  ${tag}`, `${indent}  ${writeValue("value")}`, `${indent}}`];
  }
  if (coding.message || isOptionalScalar(field)) {
    return [`${indent}if let ${name} {`, `${indent}  ${tag}`, `${indent}  ${writeValue(name)}`, `${indent}}`];
  }
  return [`${indent}if ${coding.isSet(name)} {`, `${indent}  ${tag}`, `${indent}  ${writeValue(name)}`, `${indent}}`];
}

/** Lines declaring `message` (and its nested types), nested at `indent`. */
export function messageLines(message, comments, indent) {
  const inner = `${indent}  `;
  const name = swiftTypeName(message).split(".").pop();
  const fields = message.fields.map((field) => ({ field, coding: elementCoding(field) }));
  const lines = [...docLines(comments, message, indent)];
  lines.push(`${indent}public struct ${name}: ProtoMessage {`);

  for (const member of message.members) {
    if (member.kind === "oneof") {
      lines.push(...docLines(comments, member, inner));
      lines.push(`${inner}public var ${memberName(member)}: ${upperCamel(member.name)}?`);
      continue;
    }
    const coding = fields.find((f) => f.field === member).coding;
    lines.push(...docLines(comments, member, inner));
    if (member.fieldKind === "list") {
      lines.push(`${inner}public var ${memberName(member)}: [${coding.type}] = []`);
    } else if (coding.message || isOptionalScalar(member)) {
      lines.push(`${inner}public var ${memberName(member)}: ${coding.type}?`);
    } else {
      lines.push(`${inner}public var ${memberName(member)}: ${coding.type} = ${coding.zero}`);
    }
  }
  lines.push(`${inner}/// The fully qualified protobuf name.`);
  lines.push(`${inner}public static let protoMessageName = "${message.typeName}"`);
  lines.push(`${inner}/// Fields this codec did not recognise, kept verbatim and re-emitted after the`);
  lines.push(`${inner}/// known fields, so decoding and re-encoding loses nothing.`);
  lines.push(`${inner}public var unknownFields: [UInt8] = []`);
  lines.push("");
  lines.push(`${inner}/// A message with every field at its default.`);
  lines.push(`${inner}public init() {}`);

  for (const oneof of message.oneofs) {
    lines.push("");
    lines.push(...docLines(comments, oneof, inner));
    lines.push(`${inner}public enum ${upperCamel(oneof.name)}: Sendable, Hashable {`);
    for (const field of oneof.fields) {
      const coding = fields.find((f) => f.field === field).coding;
      lines.push(...docLines(comments, field, `${inner}  `));
      lines.push(`${inner}  case ${memberName(field)}(${coding.type})`);
    }
    lines.push(`${inner}}`);
  }
  for (const nested of message.nestedEnums) {
    lines.push("", ...enumLines(nested, comments, inner));
  }
  for (const nested of message.nestedMessages) {
    if (nested.proto.options?.mapEntry) continue;
    lines.push("", ...messageLines(nested, comments, inner));
  }

  const byNumber = [...fields].sort((a, b) => a.field.number - b.field.number);
  lines.push("");
  lines.push(`${inner}/// Decodes one field of this message; false leaves it to \`unknownFields\`.`);
  lines.push(`${inner}public mutating func decodeField(`);
  lines.push(`${inner}  number: UInt32, wireType: ProtoWireType, from reader: inout ProtoReader`);
  lines.push(`${inner}) throws -> Bool {`);
  if (byNumber.length === 0) {
    lines.push(`${inner}  false`);
  } else {
    lines.push(`${inner}  switch (number, wireType) {`);
    for (const { field, coding } of byNumber) {
      lines.push(...decodeCase(field, coding, coding.wire, `${inner}  `));
      // Repeated numeric fields accept both packed and unpacked encodings.
      if (field.fieldKind === "list" && !coding.message && isPackable(coding)) {
        lines.push(...decodeCase(field, coding, ".lengthDelimited", `${inner}  `));
      }
    }
    lines.push(`${inner}  default:`);
    lines.push(`${inner}    return false`);
    lines.push(`${inner}  }`);
    lines.push(`${inner}  return true`);
  }
  lines.push(`${inner}}`);
  lines.push("");
  lines.push(`${inner}/// Encodes every field that is set, in field-number order.`);
  if (byNumber.length === 0) {
    lines.push(`${inner}public func encodeFields(into writer: inout ProtoWriter) {}`);
  } else {
    lines.push(`${inner}public func encodeFields(into writer: inout ProtoWriter) {`);
    for (const { field, coding } of byNumber) lines.push(...encodeLines(field, coding, `${inner}  `));
    lines.push(`${inner}}`);
  }
  lines.push(`${indent}}`);
  return lines;
}
