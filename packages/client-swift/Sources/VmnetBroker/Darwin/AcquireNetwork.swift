// SPDX-License-Identifier: Apache-2.0
#if os(macOS)
  import CVmnetBroker
  import XPC

  extension VmnetBroker {
    /// Acquires a network by name and returns its vmnet serialization; create
    /// the network in this process with `vmnet_network_create_with_serialization`.
    ///
    /// The process keeps one connection to the broker for its whole life: the
    /// network stays acquired until the process exits.
    public static func acquireNetwork(named name: String) throws -> xpc_object_t {
      var status = VMNET_BROKER_SUCCESS
      guard let serialization = vmnet_broker_acquire_network(name, &status) else {
        throw Error(code: Int32(bitPattern: status.rawValue))
      }
      return serialization
    }
  }
#endif
