// SPDX-License-Identifier: Apache-2.0
/**
 * XPC objects as plain JavaScript values: what the addon hands over for each
 * message and accepts for each reply. Keeping this shape plain lets the protocol
 * mapping be tested without macOS.
 */

/** An opaque XPC object owned by the addon (a vmnet serialization). */
export interface XpcObjectRef {
  readonly type: "object";
  readonly handle: unknown;
}

export interface XpcDictionary {
  readonly type: "dictionary";
  readonly entries: ReadonlyArray<readonly [string, XpcValue]>;
}

export type XpcValue =
  | XpcDictionary
  | { readonly type: "array"; readonly items: readonly XpcValue[] }
  | { readonly type: "string"; readonly value: string }
  | { readonly type: "int64"; readonly value: bigint }
  | { readonly type: "uint64"; readonly value: bigint }
  | { readonly type: "bool"; readonly value: boolean }
  | { readonly type: "double"; readonly value: number }
  | { readonly type: "data"; readonly value: Uint8Array }
  | { readonly type: "null" }
  | XpcObjectRef
  /** Types the bridge does not convert (fd, shmem, uuid, date, ...), and nesting past the limit. */
  | { readonly type: "unsupported"; readonly name: string };

/** Builds a dictionary from a record (insertion order kept). */
export function xpcDictionary(entries: Record<string, XpcValue>): XpcDictionary {
  return { type: "dictionary", entries: Object.entries(entries) };
}

export function xpcString(value: string): XpcValue {
  return { type: "string", value };
}

export function xpcInt64(value: bigint | number): XpcValue {
  return { type: "int64", value: BigInt(value) };
}

export function xpcData(value: Uint8Array): XpcValue {
  return { type: "data", value };
}

export function xpcObject(handle: unknown): XpcObjectRef {
  return { type: "object", handle };
}

/** The value under key, or undefined. XPC keys are unique; the last one wins if not. */
export function xpcGet(dictionary: XpcDictionary, key: string): XpcValue | undefined {
  let found: XpcValue | undefined;
  for (const [k, v] of dictionary.entries) if (k === key) found = v;
  return found;
}
