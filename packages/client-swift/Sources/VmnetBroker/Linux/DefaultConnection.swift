// SPDX-License-Identifier: Apache-2.0
#if os(Linux)
  import Foundation

  /// The process-wide connection behind `VmnetBroker.acquireNetwork(named:)`.
  private final class DefaultConnection: @unchecked Sendable {
    static let shared = DefaultConnection()
    // Guards `connection`.
    private let lock = NSLock()
    private var connection: VmnetBroker.Connection?

    /// The open default connection, made on first use.
    func get() throws -> VmnetBroker.Connection {
      lock.lock()
      defer { lock.unlock() }
      if let connection { return connection }
      let made = try VmnetBroker.Connection()
      connection = made
      return made
    }

    func close() {
      lock.lock()
      let closing = connection
      connection = nil
      lock.unlock()
      closing?.close()
    }
  }

  extension VmnetBroker {
    /// Acquires a network through the process-wide connection, opened on first
    /// use at `$VMNET_BROKER_SOCKET` (or `/run/vmnet-broker/broker.sock`) and
    /// kept open until ``closeDefaultConnection()`` or the process ends. If the
    /// broker goes away, calls fail with `transportFailure` until
    /// ``closeDefaultConnection()``: the networks it held are gone.
    public static func acquireNetwork(named name: String) throws -> Network {
      try DefaultConnection.shared.get().acquireNetwork(named: name)
    }

    /// Closes the process-wide connection, releasing everything acquired with
    /// ``acquireNetwork(named:)``. The next call connects again.
    public static func closeDefaultConnection() {
      DefaultConnection.shared.close()
    }
  }
#endif
