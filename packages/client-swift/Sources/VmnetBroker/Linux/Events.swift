// SPDX-License-Identifier: Apache-2.0
#if os(Linux)
  import CVmnetBroker
  import Dispatch
  import Foundation

  extension VmnetBroker {
    /// One thing that happened in the broker, as far as this user may see it.
    public struct Event: Sendable, Equatable {
      /// Increases by one per broker event; a gap means events this user may not see.
      public let sequence: UInt64
      public let time: Date
      /// As `vmnet-broker events` prints it: "network-created", "lease-added", ...
      public let type: String
      /// The network, or "" when the event concerns none.
      public let network: String
      /// The host-side interface name, for interface events.
      public let interfaceName: String
      /// The lease, for lease events.
      public let lease: Lease?
      /// The peer (connection) id, for peer and interface events.
      public let peerID: UInt64
      /// The peer's (or the interface owner's) uid.
      public let uid: UInt32

      init(_ c: vmnet_broker_event_t) {
        sequence = c.sequence
        time = Date(timeIntervalSince1970: TimeInterval(c.time_unix_ms) / 1000)
        type = String(cString: vmnet_broker_event_type_name(c.type))
        network = string(fromCArray: c.network)
        interfaceName = string(fromCArray: c.interface_name)
        lease = c.has_lease ? Lease(c.lease) : nil
        peerID = c.peer_id
        uid = c.uid
      }
    }
  }

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
