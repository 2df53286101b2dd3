// SPDX-License-Identifier: Apache-2.0
#if os(Linux)
  import CVmnetBroker

  extension VmnetBroker.Network {
    /// Creates a veth pair on this network: one end joins the network's
    /// bridge, the other moves into the network namespace `namespaceFD` refers
    /// to (an open `/proc/<pid>/ns/net` or `/run/netns/<name>`; the caller keeps
    /// it) and is named `ifname` there. With the default holder
    /// ``Holder/connection`` the pair lives as long as the connection; with
    /// ``Holder/interface`` it holds the network until the namespace goes.
    ///
    /// - Parameters:
    ///   - namespaceFD: an open descriptor of the target network namespace.
    ///   - ifname: the name inside the namespace; `nil` means `eth0`.
    ///   - holder: what holds the pair and its reference on the network. A
    ///     broker that does not honour it gives `unsupported`.
    public func openVeth(namespaceFD: Int32, ifname: String? = nil, holder: VmnetBroker.Holder = .connection) throws
      -> VmnetBroker.VethInterface
    {
      try connection.withSession { session in
        var info = vmnet_broker_interface_info_t()
        var status = VMNET_BROKER_SUCCESS
        guard
          vmnet_broker_session_open_veth_held_by(
            session, handle.pointer, namespaceFD, ifname, holder.cValue, &info, &status) == 0
        else {
          throw VmnetBroker.Error.fromC(status)
        }
        return VmnetBroker.VethInterface(info)
      }
    }
  }

  extension VmnetBroker {
    /// A veth pair the broker created for this process.
    public struct VethInterface: Sendable, Hashable {
      /// The bridge-side end's name on the host.
      public let name: String
      /// The other end's name inside the namespace.
      public let peerName: String
      /// The namespace end's hardware address, or "" when the broker did not say.
      public let mac: String
      /// What holds the pair and its reference on the network.
      public let holder: Holder

      init(_ info: vmnet_broker_interface_info_t) {
        name = string(fromCArray: info.name)
        peerName = string(fromCArray: info.peer_ifname)
        mac = string(fromCArray: info.mac)
        holder = Holder(info.holder)
      }
    }
  }
#endif
