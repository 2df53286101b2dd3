// SPDX-License-Identifier: Apache-2.0
#if os(Linux)
  import CVmnetBroker
  import Dispatch
  import Foundation

  /// The C session of one event stream; closed by the reader when it ends.
  private final class EventSession: @unchecked Sendable {
    let session: OpaquePointer
    init(_ session: OpaquePointer) { self.session = session }
  }

  extension VmnetBroker.Connection {
    /// The broker's events on a connection of their own (this one stays
    /// usable). Ending the iteration (or cancelling its task) closes that
    /// connection, which ends the subscription. The stream throws
    /// `transportFailure` when the broker drops it (a reader too far behind).
    public func events() throws -> AsyncThrowingStream<VmnetBroker.Event, any Swift.Error> {
      var status = VMNET_BROKER_SUCCESS
      guard let session = vmnet_broker_connect(socketPath, &status) else {
        throw VmnetBroker.Error.fromC(status)
      }
      vmnet_broker_session_set_client(session, VmnetBroker.clientName, VmnetBroker.clientVersion)
      guard vmnet_broker_session_subscribe(session, nil, &status) == 0 else {
        let error = VmnetBroker.Error.fromC(status)
        vmnet_broker_session_close(session)
        throw error
      }
      let events = EventSession(session)
      return AsyncThrowingStream { continuation in
        // Shutting the socket down wakes the reader, which then closes the session.
        continuation.onTermination = { _ in vmnet_broker_session_shutdown(events.session) }
        DispatchQueue.global().async {
          defer { vmnet_broker_session_close(events.session) }
          var event = vmnet_broker_event_t()
          var status = VMNET_BROKER_SUCCESS
          while true {
            // A long wait, repeated: read_event returns 0 when none came.
            let got = vmnet_broker_session_read_event(events.session, 60_000, &event, &status)
            if got < 0 {
              continuation.finish(throwing: VmnetBroker.Error.fromC(status))
              return
            }
            if got == 1, case .terminated = continuation.yield(VmnetBroker.Event(event)) {
              return
            }
          }
        }
      }
    }
  }
#endif
