// SPDX-License-Identifier: Apache-2.0
/**
 * Fields a newer schema might add. Each vector keeps its unknown fields after
 * the known ones, in ascending (field number, wire type) order: the only
 * position in which every codec re-emits them identically.
 */
import { patternBytes, type VectorSpec, vector } from "../spec.js";

export const unknownVectors: VectorSpec[] = [
  vector("unknown_varint", "Request", "an unknown varint field after the known ones", {
    id: 1,
    acquire: { network_name: "shared" },
    $unknown: [{ field: 100, varint: "150" }],
  }),
  vector("unknown_each_wire_type", "Reply", "unknown varint, fixed64, length-delimited and fixed32 fields", {
    id: 2,
    network: { name: "shared", mode: "NETWORK_MODE_SHARED" },
    $unknown: [
      { field: 20, varint: "18446744073709551615" },
      { field: 21, fixed64: "1234605616436508552" },
      { field: 22, bytes: new Uint8Array([0x0a, 0x03, 0x61, 0x62, 0x63]) },
      { field: 23, fixed32: 0xdeadbeef },
    ],
  }),
  vector("unknown_repeated_tag", "Request", "the same unknown field three times, kept in order", {
    id: 3,
    status: {},
    $unknown: [
      { field: 21, varint: "1" },
      { field: 21, varint: "2" },
      { field: 21, varint: "3" },
    ],
  }),
  vector("unknown_command", "Request", "a command from a newer client (oneof member 20): decodes with no command", {
    id: 4,
    $unknown: [{ field: 20, bytes: new Uint8Array([0x0a, 0x04, 0x74, 0x65, 0x73, 0x74]) }],
  }),
  vector("unknown_result", "Reply", "a result from a newer broker (oneof member 20): decodes with no result", {
    id: 5,
    $unknown: [{ field: 20, bytes: new Uint8Array([0x08, 0x01]) }],
  }),
  vector("unknown_nested", "Reply", "unknown fields inside nested messages at three depths", {
    id: 6,
    status: {
      platform: "linux",
      networks: [
        {
          network: { name: "shared", $unknown: [{ field: 19, bytes: new TextEncoder().encode("future") }] },
          references: 1,
          $unknown: [{ field: 15, varint: "9" }],
        },
      ],
      $unknown: [{ field: 20, fixed32: 1 }],
    },
    $unknown: [{ field: 21, fixed64: "0" }],
  }),
  vector("unknown_max_field_number", "Request", "the largest field number (536870911, 5-byte tag)", {
    id: 7,
    $unknown: [{ field: 536870911, varint: "1" }],
  }),
  vector("unknown_large_bytes", "Network", "an unknown length-delimited field of 70000 bytes", {
    name: "shared",
    $unknown: [{ field: 50, bytes: patternBytes(70000) }],
  }),
  vector("unknown_empty_message_only", "StatusRequest", "a message with no known fields but an unknown one", {
    $unknown: [{ field: 1, varint: "1" }],
  }),
  vector("unknown_group", "Request", "deprecated group wire types (3/4) as an unknown field, holding a varint", {
    id: 8,
    $unknown: [{ field: 30, group: [{ field: 1, varint: "5" }] }],
  }),
];
