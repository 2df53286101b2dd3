// SPDX-License-Identifier: Apache-2.0
import Foundation
import VmnetBrokerProto

/// One entry of protocol/vectors/manifest.json.
struct GoldenVector: Decodable, Sendable, CustomStringConvertible {
  let name: String
  let type: String
  let file: String

  var description: String { name }
}

/// Reads protocol/vectors/ from the checkout this test file lives in.
enum GoldenVectors {
  static let directory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // VmnetBrokerProtoTests
    .deletingLastPathComponent()  // Tests
    .deletingLastPathComponent()  // client-swift
    .deletingLastPathComponent()  // packages
    .deletingLastPathComponent()  // checkout
    .appendingPathComponent("protocol/vectors")

  static func manifest() throws -> [GoldenVector] {
    let data = try Data(contentsOf: directory.appendingPathComponent("manifest.json"))
    return try JSONDecoder().decode([GoldenVector].self, from: data)
  }

  static func bytes(of vector: GoldenVector) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: directory.appendingPathComponent(vector.file)))
  }

  /// Every generated message type by its protobuf name.
  static let types: [String: any ProtoMessage.Type] = Dictionary(
    uniqueKeysWithValues: VmnetBroker_V1_BrokerMessages.all.map { ($0.protoMessageName, $0) })

  /// Decodes `bytes` as `type` and encodes the result again.
  static func roundTrip(_ bytes: [UInt8], as type: any ProtoMessage.Type) throws -> [UInt8] {
    try type.init(serializedBytes: bytes).serializedBytes()
  }
}
