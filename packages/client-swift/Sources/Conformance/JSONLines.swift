// SPDX-License-Identifier: Apache-2.0
import Foundation

/// The conformance protocol's I/O: one JSON object per line in, one out.
enum JSONLines {
  /// The next command, nil at end of input; a line that is not a JSON object
  /// becomes an empty command (answered as an invalid request).
  static func readCommand() -> [String: Any]? {
    guard let line = readLine(strippingNewline: true) else { return nil }
    guard let data = line.data(using: .utf8),
      let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    else { return [:] }
    return object
  }

  /// Writes one result line and flushes it, so the runner sees it at once.
  static func write(_ result: [String: Any]) {
    let data =
      (try? JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]))
      ?? Data(#"{"ok":false,"code":7,"message":"result not encodable"}"#.utf8)
    FileHandle.standardOutput.write(data + Data("\n".utf8))
  }

  static func success(_ fields: [String: Any] = [:]) -> [String: Any] {
    fields.merging(["ok": true]) { _, new in new }
  }

  static func failure(code: Int32, message: String) -> [String: Any] {
    ["ok": false, "code": Int(code), "message": message]
  }
}
