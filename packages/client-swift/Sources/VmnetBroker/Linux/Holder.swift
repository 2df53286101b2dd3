// SPDX-License-Identifier: Apache-2.0
#if os(Linux)
  import CVmnetBroker

  extension VmnetBroker {
    /// What keeps an interface, and its reference on the network, alive.
    public enum Holder: Sendable, Hashable {
      /// The connection that opened it (the default): closing the connection,
      /// or the process dying, removes the interface.
      case connection
      /// The interface itself: a TAP holds its network until its last
      /// descriptor closes, whether or not the connection stays open.
      case interface

      init(_ holder: vmnet_broker_holder_t) {
        self = holder == VMNET_BROKER_HOLDER_INTERFACE ? .interface : .connection
      }

      /// The C client's value, for the `*_held_by` calls.
      @_spi(Conformance)
      public var cValue: vmnet_broker_holder_t {
        switch self {
        case .connection: VMNET_BROKER_HOLDER_CONNECTION
        case .interface: VMNET_BROKER_HOLDER_INTERFACE
        }
      }
    }
  }
#endif
