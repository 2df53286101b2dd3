// SPDX-License-Identifier: Apache-2.0
#if os(Linux)
  import CVmnetBroker

  extension VmnetBroker {
    /// The broker's answer to a version exchange.
    public struct Hello: Sendable, Hashable {
      /// The protocol version both sides use.
      public let protocolVersion: UInt32
      /// The broker's version string.
      public let brokerVersion: String
      /// The broker's operating system: "linux" or "darwin".
      public let platform: String
      /// Optional capabilities: "status", "tap", "veth".
      public let features: Set<String>

      init(_ reply: vmnet_broker_hello_t) {
        protocolVersion = reply.protocol_version
        brokerVersion = string(fromCArray: reply.broker_version)
        platform = string(fromCArray: reply.platform)
        var features: Set<String> = []
        if reply.features & VMNET_BROKER_FEATURE_STATUS != 0 { features.insert("status") }
        if reply.features & VMNET_BROKER_FEATURE_TAP != 0 { features.insert("tap") }
        if reply.features & VMNET_BROKER_FEATURE_VETH != 0 { features.insert("veth") }
        self.features = features
      }
    }
  }
#endif
