// SPDX-License-Identifier: Apache-2.0
import Testing
import VmnetBrokerProto

@Suite("golden vectors")
struct GoldenVectorTests {
  @Test("the manifest covers every message type")
  func manifestCoversEveryType() throws {
    let manifest = try GoldenVectors.manifest()
    #expect(manifest.count > 0)
    let covered = Set(manifest.map(\.type))
    for type in VmnetBroker_V1_BrokerMessages.all {
      #expect(covered.contains(type.protoMessageName), "no vector for \(type.protoMessageName)")
    }
  }

  @Test("decode and re-encode byte for byte", arguments: try GoldenVectors.manifest())
  func roundTrip(vector: GoldenVector) throws {
    let type = try #require(GoldenVectors.types[vector.type], "unknown type \(vector.type)")
    let bytes = try GoldenVectors.bytes(of: vector)
    #expect(try GoldenVectors.roundTrip(bytes, as: type) == bytes)
  }
}
