// SPDX-License-Identifier: Apache-2.0
// Swift source for one protobuf enum: an open enum (proto3 semantics) with a
// case per value plus `unrecognized(Int32)` for numbers this codec does not know.
import { docLines } from "./comments.mjs";
import { enumCaseName, swiftTypeName } from "./names.mjs";

/** Lines declaring `enumDesc`, nested at `indent`. */
export function enumLines(enumDesc, comments, indent) {
  const inner = `${indent}  `;
  const name = swiftTypeName(enumDesc).split(".").pop();
  const firstByNumber = new Map();
  for (const value of enumDesc.values) {
    if (!firstByNumber.has(value.number)) firstByNumber.set(value.number, value);
  }
  const lines = [...docLines(comments, enumDesc, indent)];
  lines.push(`${indent}public enum ${name}: ProtoEnum, CaseIterable {`);
  for (const value of enumDesc.values) {
    lines.push(...docLines(comments, value, inner));
    lines.push(`${inner}case ${enumCaseName(enumDesc, value)}`);
  }
  lines.push(`${inner}/// A number this codec does not know (sent by a newer peer); kept as is.`);
  lines.push(`${inner}case unrecognized(Int32)`);
  lines.push("");
  lines.push(`${inner}/// Every known value, in declaration order.`);
  lines.push(`${inner}public static let allCases: [${name}] = [`);
  for (const value of enumDesc.values) lines.push(`${inner}  .${enumCaseName(enumDesc, value)},`);
  lines.push(`${inner}]`);
  lines.push("");
  lines.push(`${inner}/// The value for a wire number; unknown numbers become \`unrecognized\`.`);
  lines.push(`${inner}public init(rawValue: Int32) {`);
  lines.push(`${inner}  switch rawValue {`);
  for (const [number, value] of firstByNumber) {
    lines.push(`${inner}  case ${number}: self = .${enumCaseName(enumDesc, value)}`);
  }
  lines.push(`${inner}  default: self = .unrecognized(rawValue)`);
  lines.push(`${inner}  }`);
  lines.push(`${inner}}`);
  lines.push("");
  lines.push(`${inner}/// The wire number.`);
  lines.push(`${inner}public var rawValue: Int32 {`);
  lines.push(`${inner}  switch self {`);
  for (const value of enumDesc.values) {
    lines.push(`${inner}  case .${enumCaseName(enumDesc, value)}: ${value.number}`);
  }
  lines.push(`${inner}  case .unrecognized(let value): value`);
  lines.push(`${inner}  }`);
  lines.push(`${inner}}`);
  lines.push(`${indent}}`);
  return lines;
}
