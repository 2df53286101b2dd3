// SPDX-License-Identifier: Apache-2.0
// The dependency-free protobuf wire runtime used by every generated message.

/// A failure to decode protobuf bytes; `reason` names what was wrong and where.
public struct ProtoDecodingError: Swift.Error, Equatable, Sendable, CustomStringConvertible {
  /// What was wrong, naming the field number or byte offset.
  public let reason: String

  /// Creates an error with the given explanation.
  public init(_ reason: String) {
    self.reason = reason
  }

  /// The explanation.
  public var description: String { "protobuf decode: \(reason)" }
}

/// The wire types of the protobuf binary format.
public enum ProtoWireType: UInt8, Sendable {
  /// int32, int64, uint32, uint64, sint32, sint64, bool, enum.
  case varint = 0
  /// fixed64, sfixed64, double.
  case fixed64 = 1
  /// string, bytes, embedded messages, packed repeated fields.
  case lengthDelimited = 2
  /// Start of a proto2 group (only skipped).
  case startGroup = 3
  /// End of a proto2 group (only skipped).
  case endGroup = 4
  /// fixed32, sfixed32, float.
  case fixed32 = 5
}

/// A message that encodes to and decodes from the protobuf binary format.
public protocol ProtoMessage: Sendable, Hashable {
  /// The fully qualified protobuf name, for example "vmnet_broker.v1.Request".
  static var protoMessageName: String { get }
  /// An empty message: every field at its default.
  init()
  /// Fields this codec did not recognise, kept verbatim (tag included) and
  /// re-emitted after the known fields when encoding.
  var unknownFields: [UInt8] { get set }
  /// Decodes one known field, or returns false to keep it as unknown.
  mutating func decodeField(number: UInt32, wireType: ProtoWireType, from reader: inout ProtoReader) throws
    -> Bool
  /// Appends every known field that is not at its default, in field order.
  func encodeFields(into writer: inout ProtoWriter)
}

extension ProtoMessage {
  /// Decodes a message from its binary encoding; throws `ProtoDecodingError`
  /// on malformed input.
  public init(serializedBytes bytes: [UInt8]) throws {
    self.init()
    var reader = ProtoReader(bytes)
    try merge(from: &reader)
  }

  /// The binary encoding: known fields, then the unknown fields as received.
  public func serializedBytes() -> [UInt8] {
    var writer = ProtoWriter()
    encodeFields(into: &writer)
    writer.bytes.append(contentsOf: unknownFields)
    return writer.bytes
  }

  /// Reads fields until the reader's end, merging them into this message.
  public mutating func merge(from reader: inout ProtoReader) throws {
    while !reader.isAtEnd {
      let start = reader.offset
      let (number, wireType) = try reader.readTag()
      if try !decodeField(number: number, wireType: wireType, from: &reader) {
        try reader.skipField(number: number, wireType: wireType)
        unknownFields.append(contentsOf: reader.bytes[start..<reader.offset])
      }
    }
  }
}

/// Reads protobuf wire primitives from a byte array without copying it.
public struct ProtoReader: Sendable {
  /// Nested messages (and groups) deeper than this are rejected, so hostile
  /// input cannot exhaust the stack.
  public static let maximumDepth = 100

  /// The whole buffer; this reader covers `offset..<end` of it.
  public let bytes: [UInt8]
  /// The next byte to read.
  public private(set) var offset: Int
  /// One past the last byte this reader may read.
  public let end: Int
  /// How many messages enclose the one being read.
  public let depth: Int

  /// A reader over all of `bytes`.
  public init(_ bytes: [UInt8]) {
    self.init(bytes: bytes, offset: 0, end: bytes.count, depth: 0)
  }

  init(bytes: [UInt8], offset: Int, end: Int, depth: Int) {
    self.bytes = bytes
    self.offset = offset
    self.end = end
    self.depth = depth
  }

  /// True when every byte of this reader's range was read.
  public var isAtEnd: Bool { offset >= end }

  /// Reads a base-128 varint of at most 10 bytes.
  public mutating func readVarint() throws -> UInt64 {
    var result: UInt64 = 0
    var shift: UInt64 = 0
    let start = offset
    while true {
      guard offset < end else {
        throw ProtoDecodingError("truncated varint at byte \(start)")
      }
      let byte = bytes[offset]
      offset += 1
      if shift == 63 && byte > 1 {
        throw ProtoDecodingError("varint longer than 64 bits at byte \(start)")
      }
      result |= UInt64(byte & 0x7f) << shift
      if byte & 0x80 == 0 {
        return result
      }
      shift += 7
    }
  }

  /// Reads a field tag: the field number and its wire type.
  public mutating func readTag() throws -> (UInt32, ProtoWireType) {
    let start = offset
    let key = try readVarint()
    guard let wireType = ProtoWireType(rawValue: UInt8(key & 7)) else {
      throw ProtoDecodingError("invalid wire type \(key & 7) at byte \(start)")
    }
    let number = key >> 3
    guard number >= 1, number <= 0x1FFF_FFFF else {
      throw ProtoDecodingError("invalid field number \(number) at byte \(start)")
    }
    return (UInt32(number), wireType)
  }

  /// Reads 4 little-endian bytes.
  public mutating func readFixed32() throws -> UInt32 {
    guard end - offset >= 4 else {
      throw ProtoDecodingError("truncated fixed32 at byte \(offset)")
    }
    var value: UInt32 = 0
    for index in 0..<4 {
      value |= UInt32(bytes[offset + index]) << (8 * UInt32(index))
    }
    offset += 4
    return value
  }

  /// Reads 8 little-endian bytes.
  public mutating func readFixed64() throws -> UInt64 {
    guard end - offset >= 8 else {
      throw ProtoDecodingError("truncated fixed64 at byte \(offset)")
    }
    var value: UInt64 = 0
    for index in 0..<8 {
      value |= UInt64(bytes[offset + index]) << (8 * UInt64(index))
    }
    offset += 8
    return value
  }

  /// Reads a length prefix and returns the range of bytes it covers.
  public mutating func readLengthDelimitedRange() throws -> Range<Int> {
    let start = offset
    let length = try readVarint()
    guard length <= UInt64(end - offset) else {
      throw ProtoDecodingError("length \(length) at byte \(start) runs past the end of its message")
    }
    let range = offset..<(offset + Int(length))
    offset = range.upperBound
    return range
  }

  /// Reads a length-delimited `bytes` value.
  public mutating func readBytes() throws -> [UInt8] {
    Array(bytes[try readLengthDelimitedRange()])
  }

  /// Reads a length-delimited `string` value, which must be valid UTF-8.
  public mutating func readString() throws -> String {
    let range = try readLengthDelimitedRange()
    guard let string = String(validating: bytes[range], as: UTF8.self) else {
      throw ProtoDecodingError("string at byte \(range.lowerBound) is not valid UTF-8")
    }
    return string
  }

  /// Reads an embedded message and merges it into `message`.
  public mutating func readMessage<Message: ProtoMessage>(into message: inout Message) throws {
    let range = try readLengthDelimitedRange()
    var nested = try nestedReader(range)
    try message.merge(from: &nested)
  }

  /// Reads a packed run of values, calling `element` until the run ends.
  public mutating func readPacked(_ element: (inout ProtoReader) throws -> Void) throws {
    let range = try readLengthDelimitedRange()
    var packed = try nestedReader(range)
    while !packed.isAtEnd {
      try element(&packed)
    }
  }

  /// Skips the value of a field whose tag was just read.
  public mutating func skipField(number: UInt32, wireType: ProtoWireType) throws {
    switch wireType {
    case .varint:
      _ = try readVarint()
    case .fixed64:
      _ = try readFixed64()
    case .lengthDelimited:
      _ = try readLengthDelimitedRange()
    case .fixed32:
      _ = try readFixed32()
    case .startGroup:
      try skipGroup(number: number)
    case .endGroup:
      throw ProtoDecodingError("unexpected end of group \(number) at byte \(offset)")
    }
  }

  private mutating func skipGroup(number: UInt32) throws {
    guard depth < Self.maximumDepth else {
      throw ProtoDecodingError("groups nested deeper than \(Self.maximumDepth) at byte \(offset)")
    }
    var inner = ProtoReader(bytes: bytes, offset: offset, end: end, depth: depth + 1)
    while true {
      guard !inner.isAtEnd else {
        throw ProtoDecodingError("group \(number) is not closed")
      }
      let (innerNumber, innerType) = try inner.readTag()
      if innerType == .endGroup {
        guard innerNumber == number else {
          throw ProtoDecodingError("group \(number) closed by end of group \(innerNumber)")
        }
        break
      }
      try inner.skipField(number: innerNumber, wireType: innerType)
    }
    offset = inner.offset
  }

  private func nestedReader(_ range: Range<Int>) throws -> ProtoReader {
    guard depth < Self.maximumDepth else {
      throw ProtoDecodingError("messages nested deeper than \(Self.maximumDepth) at byte \(range.lowerBound)")
    }
    return ProtoReader(bytes: bytes, offset: range.lowerBound, end: range.upperBound, depth: depth + 1)
  }
}

/// Appends protobuf wire primitives to a byte array.
public struct ProtoWriter: Sendable {
  /// Everything written so far.
  public var bytes: [UInt8] = []

  /// An empty writer.
  public init() {}

  /// Appends a base-128 varint.
  public mutating func writeVarint(_ value: UInt64) {
    var remaining = value
    while remaining >= 0x80 {
      bytes.append(UInt8(truncatingIfNeeded: remaining) | 0x80)
      remaining >>= 7
    }
    bytes.append(UInt8(remaining))
  }

  /// Appends a field tag.
  public mutating func writeTag(_ number: UInt32, _ wireType: ProtoWireType) {
    writeVarint(UInt64(number) << 3 | UInt64(wireType.rawValue))
  }

  /// Appends 4 little-endian bytes.
  public mutating func writeFixed32(_ value: UInt32) {
    for index in 0..<4 {
      bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt32(index))))
    }
  }

  /// Appends 8 little-endian bytes.
  public mutating func writeFixed64(_ value: UInt64) {
    for index in 0..<8 {
      bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))))
    }
  }

  /// Appends a length prefix and the bytes.
  public mutating func writeBytes(_ value: [UInt8]) {
    writeVarint(UInt64(value.count))
    bytes.append(contentsOf: value)
  }

  /// Appends a length prefix and the UTF-8 bytes of `value`.
  public mutating func writeString(_ value: String) {
    writeBytes(Array(value.utf8))
  }

  /// Appends a length prefix and the encoding of `message`.
  public mutating func writeMessage<Message: ProtoMessage>(_ message: Message) {
    writeBytes(message.serializedBytes())
  }

  /// Appends a length prefix and the values `body` writes (a packed run).
  public mutating func writePacked(_ body: (inout ProtoWriter) -> Void) {
    var packed = ProtoWriter()
    body(&packed)
    writeBytes(packed.bytes)
  }
}

/// ZigZag mapping of sint32/sint64 (small magnitudes give small varints).
public enum ProtoZigZag {
  /// Encodes a signed 32-bit value.
  public static func encode(_ value: Int32) -> UInt64 {
    UInt64(UInt32(bitPattern: (value << 1) ^ (value >> 31)))
  }

  /// Encodes a signed 64-bit value.
  public static func encode(_ value: Int64) -> UInt64 {
    UInt64(bitPattern: (value << 1) ^ (value >> 63))
  }

  /// Decodes a sint32 varint (already truncated to 32 bits by the caller).
  public static func decode(_ value: UInt32) -> Int32 {
    Int32(bitPattern: (value >> 1) ^ (0 &- (value & 1)))
  }

  /// Decodes a sint64 varint.
  public static func decode(_ value: UInt64) -> Int64 {
    Int64(bitPattern: (value >> 1) ^ (0 &- (value & 1)))
  }
}

/// A protobuf enum: known cases plus any value this codec does not know.
public protocol ProtoEnum: Sendable, Hashable {
  /// The wire number.
  var rawValue: Int32 { get }
  /// Any number, known or not (proto3 enums are open).
  init(rawValue: Int32)
}
