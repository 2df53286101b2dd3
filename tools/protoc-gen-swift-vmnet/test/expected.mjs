// SPDX-License-Identifier: Apache-2.0
// Writes the encodings of the fixture samples with @bufbuild/protobuf (an
// independent encoder), for the Swift side of test/run.sh to match.
//   node expected.mjs <image.binpb> <out-dir>
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createFileRegistry, fromBinary, fromJson, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";

const [image, outDir] = process.argv.slice(2);
const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(image)));

/** name -> [message type, JSON form]; the Swift test builds the same values. */
const samples = {
  scalars_extremes: [
    "plugintest.v1.Scalars",
    {
      fDouble: -1.5,
      fFloat: 3.25,
      fInt64: "-9223372036854775808",
      fUint64: "18446744073709551615",
      fInt32: -1,
      fFixed64: "1234567890123",
      fFixed32: 4294967295,
      fBool: true,
      fString: "héllo ✓",
      fBytes: "AAEC/w==",
      fUint32: 4294967295,
      fSfixed32: -2147483648,
      fSfixed64: "-2",
      fSint32: -2147483648,
      fSint64: "9223372036854775807",
      color: "COLOR_GREEN",
    },
  ],
  scalars_small: ["plugintest.v1.Scalars", { fInt32: 150, fSint32: -1, fSint64: "1", fUint64: "300" }],
  scalars_empty: ["plugintest.v1.Scalars", {}],
  repeated_all: [
    "plugintest.v1.Repeated",
    {
      rDouble: [0, -2.5],
      rFloat: [1.5],
      rInt32: [1, -1, 2147483647],
      rSint64: ["-3", "3"],
      rFixed32: [7, 0],
      rBool: [true, false, true],
      rColor: ["COLOR_RED", 7, "COLOR_UNSPECIFIED"],
      rString: ["a", "", "ü"],
      rBytes: ["", "/w=="],
      rMsg: [{ fInt32: 5 }, {}],
    },
  ],
  optionals_defaults: ["plugintest.v1.Optionals", { oInt32: 0, oString: "", oColor: "COLOR_UNSPECIFIED" }],
  optionals_values: ["plugintest.v1.Optionals", { oInt32: -7, oString: "x", oColor: "COLOR_RED" }],
  optionals_none: ["plugintest.v1.Optionals", {}],
  outer_number_zero: ["plugintest.v1.Outer", { number: 0 }],
  outer_text: ["plugintest.v1.Outer", { text: "t", default: "d" }],
  outer_nested: [
    "plugintest.v1.Outer",
    {
      inner: { kind: "KIND_A", name: "i" },
      nested: {},
      inners: [{ name: "a" }, { kind: "KIND_A" }],
    },
  ],
  outer_color: ["plugintest.v1.Outer", { color: "COLOR_GREEN" }],
};

for (const [name, [typeName, json]] of Object.entries(samples)) {
  const desc = registry.getMessage(typeName);
  if (desc === undefined) throw new Error(`expected.mjs: no message ${typeName} in ${image}`);
  writeFileSync(join(outDir, `${name}.bin`), toBinary(desc, fromJson(desc, json)));
}
