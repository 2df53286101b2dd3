// SPDX-License-Identifier: Apache-2.0
#if os(macOS)
  import CVmnetBroker
  import Dispatch

  /// The C session of one macOS look-up or event stream (an XPC connection of its own).
  private final class XPCSession: @unchecked Sendable {
    let session: OpaquePointer
    init(_ session: OpaquePointer) { self.session = session }
  }

  /// The read source of an event stream, for the handlers that cancel it.
  private final class ReadSource: @unchecked Sendable {
    let source: any DispatchSourceRead
    init(_ source: any DispatchSourceRead) { self.source = source }
  }

  extension VmnetBroker {
    /// The longest the broker waits for a lease.
    public static let maxLeaseWait: Duration = .seconds(600)

    private static func openSession() throws -> XPCSession {
      var status = VMNET_BROKER_SUCCESS
      guard let session = vmnet_broker_connect(nil, &status) else {
        throw Error.fromC(status)
      }
      return XPCSession(session)
    }

    /// The DHCP lease of the guest with this MAC on a network this user may
    /// acquire (it need not be held), waiting up to `timeout` (capped at
    /// ``maxLeaseWait``) for the guest to take one. Throws `notFound` when
    /// there is none by then. macOS: the look-up uses an XPC connection of
    /// its own (the C client's `vmnet_broker_session_wait_for_lease`), closed
    /// before it returns.
    public static func waitForLease(network: String, mac: String, timeout: Duration = .zero) throws -> Lease {
      let capped = min(max(timeout, .zero), maxLeaseWait)
      let waitMs = UInt32(capped.components.seconds * 1000 + capped.components.attoseconds / 1_000_000_000_000_000)
      let xpc = try openSession()
      defer { vmnet_broker_session_close(xpc.session) }
      var out = vmnet_broker_lease_t()
      var status = VMNET_BROKER_SUCCESS
      guard vmnet_broker_session_wait_for_lease(xpc.session, network, mac, waitMs, &out, &status) == 0 else {
        throw Error.fromC(status)
      }
      return Lease(out)
    }

    /// `waitForLease(network:mac:timeout:)` without blocking the caller's
    /// thread. The XPC call cannot be interrupted: it ends by `timeout`.
    public static func waitForLease(network: String, mac: String, timeout: Duration = .zero) async throws -> Lease {
      try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
          continuation.resume(with: Result { try waitForLease(network: network, mac: mac, timeout: timeout) })
        }
      }
    }

    /// The broker's events, on an XPC connection of their own. The stream is
    /// fd-driven: a dispatch read source watches the C session's fd and reads
    /// every event waiting there. Ending the iteration (or cancelling its
    /// task) closes the connection, which ends the subscription. The stream
    /// throws `transportFailure` when the broker drops it (a reader too far
    /// behind) and `invalidReply` for a message that is not an event.
    public static func events() throws -> AsyncThrowingStream<Event, any Swift.Error> {
      let xpc = try openSession()
      var status = VMNET_BROKER_SUCCESS
      guard vmnet_broker_session_subscribe(xpc.session, nil, &status) == 0 else {
        let error = Error.fromC(status)
        vmnet_broker_session_close(xpc.session)
        throw error
      }
      return AsyncThrowingStream { continuation in
        let queue = DispatchQueue(label: "vmnet-broker.events")
        let reader = ReadSource(
          DispatchSource.makeReadSource(fileDescriptor: vmnet_broker_session_fd(xpc.session), queue: queue))
        reader.source.setEventHandler {
          var event = vmnet_broker_event_t()
          var status = VMNET_BROKER_SUCCESS
          while true {
            let got = vmnet_broker_session_read_event(xpc.session, 0, &event, &status)
            if got == 0 { return }
            if got < 0 {
              continuation.finish(throwing: Error.fromC(status))
              reader.source.cancel()
              return
            }
            if case .terminated = continuation.yield(Event(event)) {
              reader.source.cancel()
              return
            }
          }
        }
        // The session (and its fd) goes only once the source no longer watches it.
        reader.source.setCancelHandler { vmnet_broker_session_close(xpc.session) }
        continuation.onTermination = { _ in reader.source.cancel() }
        reader.source.resume()
      }
    }
  }
#endif
