// SPDX-License-Identifier: Apache-2.0
#if os(Linux)
  import Foundation
  import Glibc

  /// A Unix socket that accepts connections (through the listen backlog) and
  /// never answers: every call on it waits until a timeout or a cancellation.
  final class SilentBroker {
    let directory: String
    let socketPath: String
    private let fd: Int32

    init() throws {
      directory = NSTemporaryDirectory() + "vmnet-broker-silent-\(UUID().uuidString.prefix(8))"
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      socketPath = directory + "/broker.sock"
      fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
      var address = sockaddr_un()
      address.sun_family = sa_family_t(AF_UNIX)
      let path = Array(socketPath.utf8)
      withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
      let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
        }
      }
      guard fd >= 0, bound == 0, listen(fd, 8) == 0 else {
        throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
      }
    }

    deinit {
      Glibc.close(fd)
      try? FileManager.default.removeItem(atPath: directory)
    }
  }
#endif
