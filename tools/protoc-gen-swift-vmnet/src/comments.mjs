// SPDX-License-Identifier: Apache-2.0
// Leading doc comments from the .proto's source info, as Swift `///` lines.

/** Maps each descriptor proto object of `file` to its source-info path. */
export function indexPaths(fileProto) {
  const paths = new Map();
  const walkEnum = (enumProto, path) => {
    paths.set(enumProto, path);
    enumProto.value.forEach((value, i) => {
      paths.set(value, [...path, 2, i]);
    });
  };
  const walkMessage = (messageProto, path) => {
    paths.set(messageProto, path);
    messageProto.field.forEach((field, i) => {
      paths.set(field, [...path, 2, i]);
    });
    messageProto.oneofDecl.forEach((oneof, i) => {
      paths.set(oneof, [...path, 8, i]);
    });
    messageProto.nestedType.forEach((nested, i) => {
      walkMessage(nested, [...path, 3, i]);
    });
    messageProto.enumType.forEach((nested, i) => {
      walkEnum(nested, [...path, 4, i]);
    });
  };
  fileProto.messageType.forEach((message, i) => {
    walkMessage(message, [4, i]);
  });
  fileProto.enumType.forEach((enumProto, i) => {
    walkEnum(enumProto, [5, i]);
  });
  const comments = new Map();
  for (const location of fileProto.sourceCodeInfo?.location ?? []) {
    if (location.leadingComments) comments.set(location.path.join("."), location.leadingComments);
  }
  return { paths, comments };
}

/** `///` lines for the descriptor's leading comment, indented; [] when none. */
export function docLines(index, desc, indent) {
  const path = index.paths.get(desc.proto);
  const text = path === undefined ? undefined : index.comments.get(path.join("."));
  if (text === undefined) return [];
  const lines = text.replace(/\n$/, "").split("\n");
  return lines
    .filter((line) => !/^\s*buf:lint:/.test(line))
    .map((line) => {
      // protoc keeps the space after `//`; drop one so `///` lines read naturally.
      const content = line.replace(/^ /, "").trimEnd();
      return content.length > 0 ? `${indent}/// ${content}` : `${indent}///`;
    });
}
