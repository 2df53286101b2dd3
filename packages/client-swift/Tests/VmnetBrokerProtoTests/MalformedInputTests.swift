// SPDX-License-Identifier: Apache-2.0
import Testing
import VmnetBrokerProto

/// A small deterministic generator, so a failing input can be reproduced.
struct SplitMix64: RandomNumberGenerator {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// Decodes `bytes` as every message type. A decode may throw; it must not
/// crash, and whatever decodes must re-encode and decode again to the same bytes.
func decodeAsEveryType(_ bytes: [UInt8]) -> Int {
  var decoded = 0
  for type in VmnetBroker_V1_BrokerMessages.all {
    guard let once = try? GoldenVectors.roundTrip(bytes, as: type) else { continue }
    decoded += 1
    #expect((try? GoldenVectors.roundTrip(once, as: type)) == once, "unstable re-encoding of \(bytes)")
  }
  return decoded
}

@Suite("malformed input")
struct MalformedInputTests {
  @Test("specific malformed encodings throw ProtoDecodingError")
  func malformedThrows() {
    let cases: [(String, [UInt8])] = [
      ("truncated varint", [0x08, 0x80]),
      ("varint over 64 bits", [0x08] + [UInt8](repeating: 0xFF, count: 9) + [0x02]),
      ("length past the end", [0x1A, 0x05, 0x0A]),
      ("huge length", [0x1A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),
      ("wire type 6", [0x0E]),
      ("wire type 7", [0x0F]),
      ("field number 0", [0x00, 0x00]),
      ("unclosed group", [0x33, 0x08, 0x01]),
      ("group closed by another number", [0x33, 0x44]),
      ("stray end of group", [0x34]),
      ("truncated fixed32", [0x35, 0x01, 0x02]),
      ("truncated fixed64", [0x31, 0x01, 0x02, 0x03]),
      ("invalid UTF-8 in a string", [0x1A, 0x03, 0x0A, 0x01, 0xFF]),
    ]
    for (name, bytes) in cases {
      #expect(throws: ProtoDecodingError.self, "\(name)") {
        try VmnetBroker_V1_Request(serializedBytes: bytes)
      }
    }
  }

  @Test("nesting deeper than the limit throws instead of exhausting the stack")
  func deepNesting() throws {
    // Status.networks -> NetworkStatus.network is two levels; unknown groups
    // nest without limit, so build a group chain far past maximumDepth.
    let depth = 10_000
    var bytes = [UInt8](repeating: 0x0B, count: depth)  // start group 1
    bytes += [UInt8](repeating: 0x0C, count: depth)  // end group 1
    #expect(throws: ProtoDecodingError.self) { try VmnetBroker_V1_Request(serializedBytes: bytes) }
    // Unknown length-delimited fields are kept as bytes, never descended into,
    // so deep nesting inside one is harmless and survives a round trip.
    var nested: [UInt8] = []
    for _ in 0..<200 {
      var writer = ProtoWriter()
      writer.writeTag(3, .lengthDelimited)
      writer.writeBytes(nested)
      nested = writer.bytes
    }
    let decoded = try VmnetBroker_V1_Request(serializedBytes: nested)
    #expect(decoded.serializedBytes() == nested)
  }

  @Test("packed and unpacked repeated numbers both decode")
  func packedAndUnpacked() throws {
    let unpacked: [UInt8] = [0x18, 0x01, 0x18, 0x96, 0x01]
    let packed: [UInt8] = [0x1A, 0x03, 0x01, 0x96, 0x01]
    let a = try VmnetBroker_V1_NetworkStatus(serializedBytes: unpacked)
    let b = try VmnetBroker_V1_NetworkStatus(serializedBytes: packed)
    #expect(a.peerIds == [1, 150])
    #expect(a == b)
    #expect(a.serializedBytes() == packed)
  }

  @Test("random bytes never crash the decoder")
  func randomBytes() {
    var random = SplitMix64(state: 0x5EED)
    var decodedAny = 0
    for _ in 0..<5_000 {
      let count = Int.random(in: 0...64, using: &random)
      let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
      decodedAny += decodeAsEveryType(bytes) > 0 ? 1 : 0
    }
    // Some random inputs are valid messages; all of them being rejected would
    // mean the decoder rejects too much.
    #expect(decodedAny > 0)
  }

  @Test("mutated golden vectors never crash the decoder")
  func mutatedVectors() throws {
    var random = SplitMix64(state: 0xF00D)
    var inputs = 0
    for vector in try GoldenVectors.manifest() {
      let original = try GoldenVectors.bytes(of: vector)
      guard !original.isEmpty else { continue }
      for _ in 0..<40 {
        var bytes = original
        switch Int.random(in: 0..<4, using: &random) {
        case 0:  // flip one bit
          let index = Int.random(in: 0..<bytes.count, using: &random)
          bytes[index] ^= 1 << UInt8.random(in: 0..<8, using: &random)
        case 1:  // truncate
          bytes.removeLast(Int.random(in: 1...bytes.count, using: &random))
        case 2:  // overwrite one byte
          bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
        default:  // insert one byte
          bytes.insert(UInt8.random(in: 0...255, using: &random), at: Int.random(in: 0...bytes.count, using: &random))
        }
        _ = decodeAsEveryType(bytes)
        inputs += 1
      }
    }
    #expect(inputs > 1_000)
  }
}
