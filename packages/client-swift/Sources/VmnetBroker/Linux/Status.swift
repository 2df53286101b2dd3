#if os(Linux)
  import CVmnetBroker

  extension VmnetBroker {
    /// A snapshot of the broker's state.
    public struct Status: Sendable, Hashable {
      /// One network the broker holds.
      public struct NetworkReferences: Sendable, Hashable {
        /// The network's name.
        public let name: String
        /// How many connections hold it now (0 while waiting for idle removal).
        public let references: UInt32
      }

      /// The broker's version string.
      public let brokerVersion: String
      /// The broker's process id.
      public let pid: UInt32
      /// How many connections the broker has.
      public let peerCount: Int
      /// Every network the broker holds.
      public let networks: [NetworkReferences]

      init(_ snapshot: OpaquePointer) {
        brokerVersion = String(cString: vmnet_broker_status_broker_version(snapshot))
        pid = vmnet_broker_status_pid(snapshot)
        peerCount = vmnet_broker_status_peer_count(snapshot)
        networks = (0..<vmnet_broker_status_network_count(snapshot)).map { index in
          NetworkReferences(
            name: String(cString: vmnet_broker_status_network_name(snapshot, index)),
            references: vmnet_broker_status_network_references(snapshot, index))
        }
      }
    }
  }
#endif
