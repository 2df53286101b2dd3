// SPDX-License-Identifier: Apache-2.0
#if os(Linux)
  import CVmnetBroker
  import Foundation

  extension VmnetBroker {
    /// One connection to the broker: **the lease**. Everything acquired through
    /// it is released when it closes: ``close()``, the last reference going
    /// away (the connection and every ``Network`` from it share the lease), or
    /// the process exiting or dying.
    ///
    /// Thread-safe: calls on one connection are serialized. ``close()`` from
    /// another thread interrupts a call that is waiting for the broker.
    public final class Connection: @unchecked Sendable {
      // `callLock` serializes calls and is held for the whole of one; `stateLock`
      // guards `session` and is never held across a call, so close() and
      // interrupt() can reach a session a call is waiting on.
      private let callLock = NSLock()
      private let stateLock = NSLock()
      private var session: OpaquePointer?
      /// The socket this connection was made to.
      public let socketPath: String
      /// How long each call waits for the broker's reply; `nil` waits as long
      /// as it takes. A call that times out breaks the connection
      /// (`transportFailure`): its lease ends.
      public let timeout: Duration?

      /// Connects to the broker at `socketPath`, by default `$VMNET_BROKER_SOCKET`
      /// or `/run/vmnet-broker/broker.sock`.
      public init(socketPath: String? = nil, timeout: Duration? = nil) throws {
        let path = socketPath ?? String(cString: vmnet_broker_socket_path())
        var status = VMNET_BROKER_SUCCESS
        guard let session = vmnet_broker_connect(path, &status) else {
          throw VmnetBroker.Error.fromC(status)
        }
        // Named in the hello that goes out with the first request.
        vmnet_broker_session_set_client(session, VmnetBroker.clientName, VmnetBroker.clientVersion)
        if let timeout {
          vmnet_broker_session_set_timeout_ms(session, Self.milliseconds(timeout))
        }
        self.session = session
        self.socketPath = path
        self.timeout = timeout
      }

      deinit {
        vmnet_broker_session_close(session)
      }

      /// Closes the connection, releasing every network and interface it holds.
      /// A call waiting for the broker fails at once; later calls on the
      /// connection (and on its networks) fail with `transportFailure`.
      public func close() {
        interrupt()
        callLock.lock()
        defer { callLock.unlock() }
        stateLock.lock()
        defer { stateLock.unlock() }
        vmnet_broker_session_close(session)
        session = nil
      }

      /// Breaks the connection without waiting for a running call: that call
      /// and every later one fail with `transportFailure`, and the broker
      /// releases the lease. For cancellation; ``close()`` still frees it.
      func interrupt() {
        stateLock.lock()
        defer { stateLock.unlock() }
        if let session {
          vmnet_broker_session_shutdown(session)
        }
      }

      /// Runs `body` with the open session, or throws `transportFailure` when closed.
      func withSession<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
        callLock.lock()
        defer { callLock.unlock() }
        stateLock.lock()
        let current = session
        stateLock.unlock()
        guard let current else {
          throw VmnetBroker.Error(
            code: VmnetBroker.Error.transportFailure.code, detail: "the connection was closed")
        }
        return try body(current)
      }

      /// A timeout in the C client's unit: whole milliseconds, at least 1.
      static func milliseconds(_ duration: Duration) -> UInt32 {
        let (seconds, attoseconds) = duration.components
        guard seconds < Int64(UInt32.max / 1000) else { return UInt32.max }
        let millis = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return UInt32(clamping: max(1, millis))
      }

      /// Runs `body` with the C client's session, for tools built on client-c
      /// internals (the conformance program). Not for applications.
      @_spi(Conformance)
      public func withCSession<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
        try withSession(body)
      }

      /// Acquires a network by name, creating it if needed. It stays acquired
      /// until this connection closes.
      public func acquireNetwork(named name: String) throws -> Network {
        try withSession { session in
          var status = VMNET_BROKER_SUCCESS
          guard let handle = vmnet_broker_session_acquire_network(session, name, &status) else {
            throw VmnetBroker.Error.fromC(status)
          }
          return Network(handle: NetworkHandle(handle), connection: self)
        }
      }

      /// Exchanges versions with the broker.
      public func hello() throws -> Hello {
        try withSession { session in
          var out = vmnet_broker_hello_t()
          var status = VMNET_BROKER_SUCCESS
          guard vmnet_broker_session_hello(session, &out, &status) == 0 else {
            throw VmnetBroker.Error.fromC(status)
          }
          return Hello(out)
        }
      }

      /// Reads the broker's state.
      public func status() throws -> Status {
        try withSession { session in
          var status = VMNET_BROKER_SUCCESS
          guard let snapshot = vmnet_broker_session_get_status(session, &status) else {
            throw VmnetBroker.Error.fromC(status)
          }
          defer { vmnet_broker_status_free(snapshot) }
          return Status(snapshot)
        }
      }
    }
  }
#endif
