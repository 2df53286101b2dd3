// SPDX-License-Identifier: Apache-2.0
// Swift names for protobuf descriptors, following swift-protobuf's shape:
// package `vmnet_broker.v1` + message `Error` -> `VmnetBroker_V1_Error`, so
// generated types never shadow Swift's own (`Error`, `Result`).

const swiftKeywords = new Set([
  "associatedtype",
  "class",
  "deinit",
  "enum",
  "extension",
  "fileprivate",
  "func",
  "import",
  "init",
  "inout",
  "internal",
  "let",
  "open",
  "operator",
  "private",
  "precedencegroup",
  "protocol",
  "public",
  "rethrows",
  "static",
  "struct",
  "subscript",
  "typealias",
  "var",
  "break",
  "case",
  "catch",
  "continue",
  "default",
  "defer",
  "do",
  "else",
  "fallthrough",
  "for",
  "guard",
  "if",
  "in",
  "repeat",
  "return",
  "throw",
  "switch",
  "where",
  "while",
  "Any",
  "as",
  "await",
  "false",
  "is",
  "nil",
  "self",
  "Self",
  "super",
  "throws",
  "true",
  "try",
  "Type",
]);

/** "network_name" -> "NetworkName"; "v1" -> "V1". */
export function upperCamel(snake) {
  return snake
    .split("_")
    .filter((part) => part.length > 0)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join("");
}

/** "network_name" -> "networkName"; "TRANSPORT_FAILURE" -> "transportFailure". */
export function lowerCamel(snake) {
  const parts = snake.split("_").filter((part) => part.length > 0);
  return parts
    .map((part, index) => {
      const lower = part === part.toUpperCase() ? part.toLowerCase() : part;
      return index === 0 ? lower[0].toLowerCase() + lower.slice(1) : lower[0].toUpperCase() + lower.slice(1);
    })
    .join("");
}

/** Backticks around identifiers that are Swift keywords. */
export function escapeIdentifier(name) {
  return swiftKeywords.has(name) ? `\`${name}\`` : name;
}

/** The prefix every top-level type of a file gets: "VmnetBroker_V1_". */
export function packagePrefix(file) {
  const pkg = file.proto.package;
  if (!pkg) return "";
  return `${pkg.split(".").map(upperCamel).join("_")}_`;
}

/** The full Swift type name of a message or enum, nested types dotted. */
export function swiftTypeName(desc) {
  const chain = [];
  for (let d = desc; d !== undefined; d = d.parent) chain.unshift(d.name);
  const [top, ...nested] = chain;
  return [packagePrefix(desc.file) + top, ...nested].join(".");
}

/** The enum case name of a value: prefix "ERROR_CODE_" stripped, lower camel. */
export function enumCaseName(enumDesc, value) {
  const prefix = `${enumDesc.name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()}_`;
  let name = value.name;
  if (name.startsWith(prefix) && /^[A-Za-z]/.test(name.slice(prefix.length))) {
    name = name.slice(prefix.length);
  }
  return escapeIdentifier(lowerCamel(name));
}

/** The Swift property name of a field or oneof. */
export function memberName(desc) {
  return escapeIdentifier(lowerCamel(desc.name));
}
