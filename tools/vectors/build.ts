// SPDX-License-Identifier: Apache-2.0
/**
 * Builds every golden vector in memory: the manifest and one encoding per
 * vector, cross-checked against protobufjs's own encoder and decoder.
 */
import { join } from "node:path";
import protobuf from "protobufjs";
import { allVectors } from "./cases/index.js";
import { encodeMessage, withoutUnknown } from "./encode.js";
import { PROTO_PATH, repoRoot } from "./repo-root.js";
import type { MessageValue, VectorSpec } from "./spec.js";

export const PACKAGE = "vmnet_broker.v1";

export interface ManifestEntry {
  name: string;
  type: string;
  file: string;
  note: string;
}

export interface BuiltVectors {
  manifest: ManifestEntry[];
  /** file name -> encoding */
  files: Map<string, Uint8Array>;
}

export function loadSchema(root = repoRoot()): protobuf.Root {
  const schema = new protobuf.Root();
  schema.loadSync(join(root, PROTO_PATH), { keepCase: true });
  schema.resolveAll();
  return schema;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function buildVector(schema: protobuf.Root, spec: VectorSpec): Uint8Array {
  const type = schema.lookupType(`${PACKAGE}.${spec.type}`);
  const bytes = encodeMessage(type, spec.value);
  // Our walk must agree with protobufjs encoding the known fields on its own.
  const knownOnly = withoutUnknown(spec.value) as MessageValue;
  const direct = type.encode(type.fromObject(knownOnly)).finish();
  if (!sameBytes(encodeMessage(type, knownOnly), direct)) {
    throw new Error(`vector ${spec.name}: nesting walk disagrees with protobufjs's encoder (a default value in the description?)`);
  }
  // protobufjs must parse the full encoding (it skips unknown fields) back to the known part.
  if (!sameBytes(type.encode(type.decode(bytes)).finish(), direct)) {
    throw new Error(`vector ${spec.name}: protobufjs does not decode the encoding back to its known fields`);
  }
  return bytes;
}

export function buildAll(specs: readonly VectorSpec[] = allVectors, schema = loadSchema()): BuiltVectors {
  const manifest: ManifestEntry[] = [];
  const files = new Map<string, Uint8Array>();
  for (const spec of specs) {
    if (!/^[a-z0-9_]+$/.test(spec.name)) throw new Error(`vector name "${spec.name}": use [a-z0-9_] only`);
    const file = `${spec.name}.bin`;
    if (files.has(file)) throw new Error(`vector name "${spec.name}" is used twice`);
    files.set(file, buildVector(schema, spec));
    manifest.push({ name: spec.name, type: `${PACKAGE}.${spec.type}`, file, note: spec.note });
  }
  return { manifest, files };
}

/** The manifest exactly as committed: 2-space JSON and a final newline. */
export function manifestText(manifest: readonly ManifestEntry[]): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
