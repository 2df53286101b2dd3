#if os(Linux)
  import CVmnetBroker
  import Foundation

  extension VmnetBroker {
    /// One connection to the broker: **the lease**. Everything acquired through
    /// it is released when it closes: ``close()``, the last reference going
    /// away (the connection and every ``Network`` from it share the lease), or
    /// the process exiting or dying.
    ///
    /// Thread-safe: calls on one connection are serialized.
    public final class Connection: @unchecked Sendable {
      // The C session (thread-safe itself); `lock` guards it against close().
      private let lock = NSLock()
      private var session: OpaquePointer?
      /// The socket this connection was made to.
      public let socketPath: String

      /// Connects to the broker at `socketPath`, by default `$VMNET_BROKER_SOCKET`
      /// or `/run/vmnet-broker/broker.sock`.
      public init(socketPath: String? = nil) throws {
        let path = socketPath ?? String(cString: vmnet_broker_socket_path())
        var status = VMNET_BROKER_SUCCESS
        guard let session = vmnet_broker_connect(path, &status) else {
          throw VmnetBroker.Error.fromC(status)
        }
        // Named in the hello that goes out with the first request.
        vmnet_broker_session_set_client(session, VmnetBroker.clientName, VmnetBroker.clientVersion)
        self.session = session
        self.socketPath = path
      }

      deinit {
        vmnet_broker_session_close(session)
      }

      /// Closes the connection, releasing every network and interface it holds.
      /// Later calls on it (and on its networks) fail with `transportFailure`.
      public func close() {
        lock.lock()
        defer { lock.unlock() }
        vmnet_broker_session_close(session)
        session = nil
      }

      /// Runs `body` with the open session, or throws `transportFailure` when closed.
      func withSession<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        guard let session else {
          throw VmnetBroker.Error(
            code: VmnetBroker.Error.transportFailure.code, detail: "the connection was closed")
        }
        return try body(session)
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
