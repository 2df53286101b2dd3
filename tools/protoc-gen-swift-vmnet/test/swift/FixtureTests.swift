// SPDX-License-Identifier: Apache-2.0
// The Swift half of test/run.sh: each sample built in Swift must encode to the
// bytes @bufbuild/protobuf wrote (expected/<name>.bin), and those bytes must
// decode back to an equal value and re-encode identically.
import Foundation
import PluginFixture
import Testing

private let expectedDirectory = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  .appendingPathComponent("expected")

private func expected(_ name: String) throws -> [UInt8] {
  [UInt8](try Data(contentsOf: expectedDirectory.appendingPathComponent("\(name).bin")))
}

private func check<Message: ProtoMessage>(_ name: String, _ message: Message) throws {
  let bytes = try expected(name)
  #expect(message.serializedBytes() == bytes, "\(name): Swift encoding differs")
  let decoded = try Message(serializedBytes: bytes)
  #expect(decoded == message, "\(name): decoded value differs")
  #expect(decoded.serializedBytes() == bytes, "\(name): re-encoding differs")
}

@Suite("plugin fixture against @bufbuild/protobuf")
struct FixtureTests {
  @Test func scalars() throws {
    var extremes = Plugintest_V1_Scalars()
    extremes.fDouble = -1.5
    extremes.fFloat = 3.25
    extremes.fInt64 = .min
    extremes.fUint64 = .max
    extremes.fInt32 = -1
    extremes.fFixed64 = 1_234_567_890_123
    extremes.fFixed32 = .max
    extremes.fBool = true
    extremes.fString = "héllo ✓"
    extremes.fBytes = [0, 1, 2, 255]
    extremes.fUint32 = .max
    extremes.fSfixed32 = .min
    extremes.fSfixed64 = -2
    extremes.fSint32 = .min
    extremes.fSint64 = .max
    extremes.color = .green
    try check("scalars_extremes", extremes)

    var small = Plugintest_V1_Scalars()
    small.fInt32 = 150
    small.fSint32 = -1
    small.fSint64 = 1
    small.fUint64 = 300
    try check("scalars_small", small)
    try check("scalars_empty", Plugintest_V1_Scalars())
  }

  @Test func repeated() throws {
    var message = Plugintest_V1_Repeated()
    message.rDouble = [0, -2.5]
    message.rFloat = [1.5]
    message.rInt32 = [1, -1, .max]
    message.rSint64 = [-3, 3]
    message.rFixed32 = [7, 0]
    message.rBool = [true, false, true]
    message.rColor = [.red, .unrecognized(7), .unspecified]
    message.rString = ["a", "", "ü"]
    message.rBytes = [[], [255]]
    var five = Plugintest_V1_Scalars()
    five.fInt32 = 5
    message.rMsg = [five, Plugintest_V1_Scalars()]
    try check("repeated_all", message)
  }

  @Test func optionals() throws {
    var defaults = Plugintest_V1_Optionals()
    defaults.oInt32 = 0
    defaults.oString = ""
    defaults.oColor = .unspecified
    try check("optionals_defaults", defaults)

    var values = Plugintest_V1_Optionals()
    values.oInt32 = -7
    values.oString = "x"
    values.oColor = .red
    try check("optionals_values", values)
    try check("optionals_none", Plugintest_V1_Optionals())
  }

  @Test func nestedAndOneof() throws {
    var zero = Plugintest_V1_Outer()
    zero.choice = .number(0)
    try check("outer_number_zero", zero)

    var text = Plugintest_V1_Outer()
    text.choice = .text("t")
    text.default = "d"
    try check("outer_text", text)

    var nested = Plugintest_V1_Outer()
    var inner = Plugintest_V1_Outer.Inner()
    inner.kind = .a
    inner.name = "i"
    nested.inner = inner
    nested.choice = .nested(Plugintest_V1_Outer.Inner())
    var named = Plugintest_V1_Outer.Inner()
    named.name = "a"
    var kindOnly = Plugintest_V1_Outer.Inner()
    kindOnly.kind = .a
    nested.inners = [named, kindOnly]
    try check("outer_nested", nested)

    var color = Plugintest_V1_Outer()
    color.choice = .color(.green)
    try check("outer_color", color)
  }

  @Test func registryAndNames() {
    #expect(
      Plugintest_V1_FixtureMessages.all.map { $0.protoMessageName } == [
        "plugintest.v1.Scalars", "plugintest.v1.Repeated", "plugintest.v1.Optionals",
        "plugintest.v1.Outer", "plugintest.v1.Outer.Inner",
      ])
    #expect(Plugintest_V1_Color(rawValue: 9) == .unrecognized(9))
    #expect(Plugintest_V1_Color.allCases == [.unspecified, .red, .green])
  }
}
