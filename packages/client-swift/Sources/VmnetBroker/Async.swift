// SPDX-License-Identifier: Apache-2.0
import Dispatch

#if os(Linux)
  extension VmnetBroker {
    /// Runs a blocking broker call on a dispatch queue, off Swift's cooperative
    /// thread pool, and resumes with its result.
    static func offloaded<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
      try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
          continuation.resume(with: Result { try body() })
        }
      }
    }

    /// `acquireNetwork(named:)` without blocking the caller's thread.
    public static func acquireNetwork(named name: String) async throws -> Network {
      try await offloaded { try acquireNetwork(named: name) }
    }
  }

  extension VmnetBroker.Connection {
    /// Connects without blocking the caller's thread. `timeout` bounds each
    /// later call's wait for the broker (see ``timeout``).
    public static func connect(socketPath: String? = nil, timeout: Duration? = nil) async throws
      -> VmnetBroker.Connection
    {
      try await VmnetBroker.offloaded { try VmnetBroker.Connection(socketPath: socketPath, timeout: timeout) }
    }

    /// Runs a blocking call off the caller's thread. Cancelling the task
    /// closes the connection (a half-done exchange leaves nothing usable): the
    /// call throws `CancellationError` at once and the lease ends.
    func cancellable<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
      try Task.checkCancellation()
      return try await withTaskCancellationHandler {
        do {
          return try await VmnetBroker.offloaded(body)
        } catch {
          if Task.isCancelled { throw CancellationError() }
          throw error
        }
      } onCancel: {
        self.interrupt()
      }
    }

    /// `acquireNetwork(named:)` without blocking the caller's thread; cancellable.
    public func acquireNetwork(named name: String) async throws -> VmnetBroker.Network {
      try await cancellable { try self.acquireNetwork(named: name) }
    }

    /// `hello()` without blocking the caller's thread; cancellable.
    public func hello() async throws -> VmnetBroker.Hello {
      try await cancellable { try self.hello() }
    }

    /// `status()` without blocking the caller's thread; cancellable.
    public func status() async throws -> VmnetBroker.Status {
      try await cancellable { try self.status() }
    }
  }

  extension VmnetBroker.Network {
    /// `openTAP(vnetHeader:queues:holder:named:vhostNet:)` without blocking the
    /// caller's thread; cancelling it closes the connection.
    public func openTAP(
      vnetHeader: Bool = false, queues: Int = 1, holder: VmnetBroker.Holder = .connection, named: Bool = false,
      vhostNet: Bool = false
    ) async throws -> VmnetBroker.TAPInterface {
      try await connection.cancellable {
        try self.openTAP(vnetHeader: vnetHeader, queues: queues, holder: holder, named: named, vhostNet: vhostNet)
      }
    }

    /// `openVeth(namespaceFD:ifname:holder:)` without blocking the caller's thread;
    /// cancelling it closes the connection.
    public func openVeth(namespaceFD: Int32, ifname: String? = nil, holder: VmnetBroker.Holder = .connection)
      async throws -> VmnetBroker.VethInterface
    {
      try await connection.cancellable { try self.openVeth(namespaceFD: namespaceFD, ifname: ifname, holder: holder) }
    }
  }
#endif

#if os(macOS)
  import XPC

  /// Lets the serialization cross into the continuation; XPC objects are
  /// immutable once received and safe to share between threads.
  private struct SendableSerialization: @unchecked Sendable {
    let value: xpc_object_t
  }

  extension VmnetBroker {
    /// `acquireNetwork(named:)` without blocking the caller's thread.
    public static func acquireNetwork(named name: String) async throws -> xpc_object_t {
      try await withCheckedThrowingContinuation {
        (continuation: CheckedContinuation<SendableSerialization, any Swift.Error>) in
        DispatchQueue.global().async {
          continuation.resume(with: Result { SendableSerialization(value: try acquireNetwork(named: name)) })
        }
      }.value
    }
  }
#endif
