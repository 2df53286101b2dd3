// SPDX-License-Identifier: Apache-2.0
#if os(Linux)
  import CVmnetBroker

  /// Owns a C network description; freeing it frees memory only.
  final class NetworkHandle: @unchecked Sendable {
    // Immutable after creation; the C library only reads it.
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) {
      self.pointer = pointer
    }

    deinit {
      vmnet_broker_network_free(pointer)
    }
  }

  extension VmnetBroker {
    /// How a network reaches the outside.
    public enum Mode: Sendable, Hashable {
      /// NAT to the host's uplinks, with DHCP and DNS.
      case shared
      /// Host-only: guests reach each other and the host, nothing beyond.
      case host
      /// The broker did not say.
      case unspecified
    }

    /// An acquired network. It holds its ``Connection`` (the lease) open: the
    /// network stays acquired while this value or the connection is alive and
    /// the connection has not been closed.
    public struct Network: Sendable {
      let handle: NetworkHandle
      /// The connection that acquired it.
      public let connection: Connection

      /// The network's name.
      public let name: String
      /// How it reaches the outside.
      public let mode: Mode
      /// Free text from the configuration.
      public let description: String
      /// IPv4 network address, dotted quad.
      public let subnet: String
      /// IPv4 netmask, dotted quad.
      public let mask: String
      /// The host's address on the network: the guests' gateway and DNS server.
      public let gateway: String
      /// IPv6 prefix in CIDR notation, or "" without IPv6.
      public let ipv6Prefix: String
      /// Maximum transmission unit in bytes.
      public let mtu: UInt32
      /// The Linux bridge interface.
      public let bridge: String
      /// Whether the broker runs DHCP on it.
      public let dhcp: Bool
      /// Whether the broker runs DNS on it.
      public let dns: Bool

      init(handle: NetworkHandle, connection: Connection) {
        let network = handle.pointer
        self.handle = handle
        self.connection = connection
        name = String(cString: vmnet_broker_network_name(network))
        switch vmnet_broker_network_mode(network) {
        case VMNET_BROKER_MODE_SHARED: mode = .shared
        case VMNET_BROKER_MODE_HOST: mode = .host
        default: mode = .unspecified
        }
        description = String(cString: vmnet_broker_network_description(network))
        subnet = String(cString: vmnet_broker_network_subnet(network))
        mask = String(cString: vmnet_broker_network_mask(network))
        gateway = String(cString: vmnet_broker_network_gateway(network))
        ipv6Prefix = String(cString: vmnet_broker_network_ipv6_prefix(network))
        mtu = vmnet_broker_network_mtu(network)
        bridge = String(cString: vmnet_broker_network_bridge(network))
        dhcp = vmnet_broker_network_dhcp(network)
        dns = vmnet_broker_network_dns(network)
      }

      /// Opens a TAP device on this network (for QEMU `-netdev tap,fd=N`,
      /// cloud-hypervisor, crosvm). Returns one file descriptor per queue; the
      /// caller owns and closes them. The device disappears when the last one
      /// closes and, with the default holder ``Holder/connection``, when the
      /// connection closes. With ``Holder/interface`` it outlives the connection
      /// and holds the network until its last descriptor closes, in whatever
      /// process has it (for a launcher that execs the VMM).
      ///
      /// - Parameters:
      ///   - vnetHeader: `IFF_VNET_HDR`: a virtio-net header on every frame.
      ///   - queues: 1 to 64; above 1 the device is multi-queue.
      ///   - holder: what holds the TAP and its reference on the network. A
      ///     broker that does not honour it gives `unsupported`.
      ///   - named: a persistent TAP that a VMM opens by name (Firecracker,
      ///     cloud-hypervisor, crosvm), owned by this process's user: no
      ///     descriptor comes back, and the broker removes it when the
      ///     connection closes. Only with ``Holder/connection``.
      ///   - vhostNet: also one open `/dev/vhost-net` descriptor per queue
      ///     (``TAPInterface/vhostFileDescriptors``), for QEMU
      ///     `vhost=on,vhostfd=N`; `unsupported` on a host without the device.
      public func openTAP(
        vnetHeader: Bool = false, queues: Int = 1, holder: Holder = .connection, named: Bool = false,
        vhostNet: Bool = false
      ) throws -> TAPInterface {
        guard queues >= 1, queues <= Int(VMNET_BROKER_MAX_QUEUES) else {
          throw VmnetBroker.Error(
            code: VmnetBroker.Error.invalidRequest.code,
            detail: "queues must be 1...\(VMNET_BROKER_MAX_QUEUES), got \(queues)")
        }
        let flags = VmnetBroker.tapFlags(vnetHeader: vnetHeader, named: named, vhostNet: vhostNet)
        return try connection.withSession { session in
          // TAP descriptors first, then as many vhost-net ones.
          var fds = [Int32](repeating: -1, count: 2 * queues)
          var info = vmnet_broker_interface_info_t()
          var status = VMNET_BROKER_SUCCESS
          let result = fds.withUnsafeMutableBufferPointer { buffer in
            vmnet_broker_session_open_tap_held_by(
              session, handle.pointer, flags, UInt32(queues), holder.cValue, buffer.baseAddress, &info, &status)
          }
          guard result == 0 else {
            throw VmnetBroker.Error.fromC(status)
          }
          return TAPInterface(info, fileDescriptors: fds, vhostCount: vhostNet ? queues : 0)
        }
      }
    }

    /// The C client's open_tap flags for these options.
    @_spi(Conformance)
    public static func tapFlags(vnetHeader: Bool, named: Bool, vhostNet: Bool) -> UInt32 {
      (vnetHeader ? VMNET_BROKER_TAP_VNET_HDR : 0) | (named ? VMNET_BROKER_TAP_NAMED : 0)
        | (vhostNet ? VMNET_BROKER_TAP_VHOST_NET : 0)
    }

    /// A TAP device the broker opened for this process.
    public struct TAPInterface: Sendable, Hashable {
      /// The host-side interface name.
      public let name: String
      /// Its hardware address, or "" when the broker did not say.
      public let mac: String
      /// A unique MAC the broker picked for the guest behind the TAP (QEMU
      /// `-device virtio-net-pci,mac=...`), so that VMs do not share a default
      /// MAC; "" from a broker that picks none.
      public let guestMAC: String
      /// What holds the TAP and its reference on the network.
      public let holder: Holder
      /// One open descriptor per queue (none for a TAP by name). The caller
      /// owns them and must close them.
      public let fileDescriptors: [Int32]
      /// With `vhostNet`: one open `/dev/vhost-net` descriptor per queue, owned
      /// like `fileDescriptors`; else empty.
      public let vhostFileDescriptors: [Int32]

      /// The interface the C client described; `fileDescriptors` holds
      /// `info.fd_count` TAP descriptors followed by `vhostCount` vhost-net ones.
      @_spi(Conformance)
      public init(_ info: vmnet_broker_interface_info_t, fileDescriptors: [Int32], vhostCount: Int = 0) {
        name = string(fromCArray: info.name)
        mac = string(fromCArray: info.mac)
        guestMAC = string(fromCArray: info.guest_mac)
        holder = Holder(info.holder)
        let tapCount = Int(info.fd_count)
        self.fileDescriptors = Array(fileDescriptors.prefix(tapCount))
        vhostFileDescriptors = Array(fileDescriptors.dropFirst(tapCount).prefix(vhostCount))
      }
    }
  }
#endif
