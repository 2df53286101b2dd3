// SPDX-License-Identifier: Apache-2.0
import Foundation

/// The live broker the tests talk to: tools/swift/test.sh starts one outside
/// the chroot and passes its socket in `VMNET_BROKER_SOCKET`.
enum LiveBroker {
  static let socketPath: String? = {
    let path = ProcessInfo.processInfo.environment["VMNET_BROKER_SOCKET"] ?? ""
    return path.isEmpty ? nil : path
  }()

  static var isAvailable: Bool { socketPath != nil }
}
