// SPDX-License-Identifier: Apache-2.0
/**
 * Every golden vector decodes with the ts-proto codec and re-encodes to the
 * very same bytes (protocol/vectors/README.md).
 */
import { describe, expect, it } from "vitest";
import { allCodecs, loadVectors } from "./vectors.js";

const vectors = loadVectors();

describe("golden vectors", () => {
  it("cover every generated message type", () => {
    const covered = new Set(vectors.map((v) => v.type.split(".").pop()));
    const missing = [...allCodecs().keys()].filter((name) => !covered.has(name));
    expect(missing).toEqual([]);
  });

  it.each(vectors.map((v) => [v.name, v] as const))("%s round-trips byte for byte", (_name, v) => {
    const decoded = v.codec.decode(v.bytes);
    const encoded = v.codec.encode(decoded).finish();
    expect(Buffer.from(encoded).toString("hex")).toBe(Buffer.from(v.bytes).toString("hex"));
  });
});
