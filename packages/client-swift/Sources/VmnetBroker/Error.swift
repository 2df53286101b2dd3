// SPDX-License-Identifier: Apache-2.0
import Foundation

#if canImport(CVmnetBroker)
  import CVmnetBroker
#endif

extension VmnetBroker {
  /// A failed broker call. Match it by code in `catch`:
  ///
  /// ```swift
  /// do { ... } catch VmnetBroker.Error.notFound { ... }
  /// ```
  ///
  /// Two errors are equal when their codes are equal; ``detail`` only explains.
  public struct Error: Swift.Error, LocalizedError, Equatable, Hashable, Sendable {
    /// The shared error code of protocol/vmnet_broker/v1/broker.proto (`ErrorCode`).
    public let code: Int32
    /// What went wrong in detail: the broker's message, or the failing syscall.
    public let detail: String

    /// An error with a shared code and an optional explanation.
    public init(code: Int32, detail: String = "") {
      self.code = code
      self.detail = detail
    }

    /// The broker could not be reached, or the connection broke (1).
    public static let transportFailure = Error(code: 1)
    /// The upstream name of ``transportFailure`` (on macOS the transport is XPC).
    public static let xpcFailure = transportFailure
    /// The broker's reply could not be understood (2).
    public static let invalidReply = Error(code: 2)
    /// This user may not use the network (3).
    public static let notAllowed = Error(code: 3)
    /// The request was invalid (4).
    public static let invalidRequest = Error(code: 4)
    /// No network by that name (5).
    public static let notFound = Error(code: 5)
    /// The broker failed to create the network or interface (6).
    public static let createFailure = Error(code: 6)
    /// Internal or unknown error (7).
    public static let internalError = Error(code: 7)
    /// This process holds the maximum number of distinct networks (8).
    public static let limitExceeded = Error(code: 8)
    /// Valid, but not supported by this broker or platform (9).
    public static let unsupported = Error(code: 9)

    /// The short description of the code (the upstream `vmnet_broker_strerror` text).
    public var summary: String {
      #if canImport(CVmnetBroker)
        String(cString: vmnet_broker_strerror(vmnet_broker_return_t(UInt32(bitPattern: code))))
      #else
        "vmnet-broker error \(code)"
      #endif
    }

    /// The summary, followed by the detail when there is one.
    public var errorDescription: String? {
      detail.isEmpty ? summary : "\(summary): \(detail)"
    }

    public static func == (lhs: Error, rhs: Error) -> Bool {
      lhs.code == rhs.code
    }

    public func hash(into hasher: inout Hasher) {
      hasher.combine(code)
    }

    /// Lets `catch VmnetBroker.Error.notFound` match any error with that code.
    public static func ~= (pattern: Error, error: any Swift.Error) -> Bool {
      (error as? Error)?.code == pattern.code
    }
  }
}

#if canImport(CVmnetBroker)
  // The existing Swift client's spelling (nirs/vmnet-broker), so code written
  // for it compiles unchanged.
  extension VmnetBroker.Error {
    /// The code as the C client's status type.
    public var status: vmnet_broker_return_t {
      vmnet_broker_return_t(UInt32(bitPattern: code))
    }

    /// An error from a status the C client returned.
    public init(_ status: vmnet_broker_return_t) {
      self.init(code: Int32(bitPattern: status.rawValue))
    }
  }
#endif
