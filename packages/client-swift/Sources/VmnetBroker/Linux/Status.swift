// SPDX-License-Identifier: Apache-2.0
#if os(Linux)
  import CVmnetBroker

  extension VmnetBroker {
    /// A snapshot of the broker's state.
    public struct Status: Sendable, Hashable {
      /// One interface open on a network.
      public struct InterfaceStatus: Sendable, Hashable {
        /// The host-side interface name.
        public let name: String
        /// What holds it and its reference on the network.
        public let holder: Holder
        /// The user id of the connection that opened it.
        public let ownerUID: UInt32
      }

      /// One network the broker holds.
      public struct NetworkReferences: Sendable, Hashable {
        /// The network's name.
        public let name: String
        /// How many connections hold it now (0 while waiting for idle removal).
        public let references: UInt32
        /// How many interfaces hold it (``Holder/interface``), beside the
        /// connections counted in `references`.
        public let interfaceReferences: UInt32
        /// Whether this broker took it over from a previous one (restart).
        public let adopted: Bool
        /// False for a configured network that does not exist now.
        public let live: Bool
        /// The interfaces open on it.
        public let interfaces: [InterfaceStatus]
      }

      /// The broker's version string.
      public let brokerVersion: String
      /// The broker's process id.
      public let pid: UInt32
      /// How many connections the broker has.
      public let peerCount: Int
      /// The name each connection gave in its hello ("" for none), as
      /// `vmnet-broker status` shows them in CLIENT.
      public let peerClientNames: [String]
      /// Every network the broker holds.
      public let networks: [NetworkReferences]
      /// True when the asker is not an admin and sees only its own part.
      public let viewFiltered: Bool

      init(_ snapshot: OpaquePointer) {
        brokerVersion = String(cString: vmnet_broker_status_broker_version(snapshot))
        pid = vmnet_broker_status_pid(snapshot)
        peerCount = vmnet_broker_status_peer_count(snapshot)
        peerClientNames = (0..<peerCount).map {
          String(cString: vmnet_broker_status_peer_client_name(snapshot, $0))
        }
        networks = (0..<vmnet_broker_status_network_count(snapshot)).map { index in
          NetworkReferences(
            name: String(cString: vmnet_broker_status_network_name(snapshot, index)),
            references: vmnet_broker_status_network_references(snapshot, index),
            interfaceReferences: vmnet_broker_status_network_interface_references(snapshot, index),
            adopted: vmnet_broker_status_network_adopted(snapshot, index),
            live: vmnet_broker_status_network_live(snapshot, index),
            interfaces: (0..<vmnet_broker_status_interface_count(snapshot, index)).map { iface in
              InterfaceStatus(
                name: String(cString: vmnet_broker_status_interface_name(snapshot, index, iface)),
                holder: Holder(vmnet_broker_status_interface_holder(snapshot, index, iface)),
                ownerUID: vmnet_broker_status_interface_owner_uid(snapshot, index, iface))
            })
        }
        viewFiltered = vmnet_broker_status_view_filtered(snapshot)
      }
    }
  }
#endif
