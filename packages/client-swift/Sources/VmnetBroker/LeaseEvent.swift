// SPDX-License-Identifier: Apache-2.0
// The lease and event types, the same on Linux and macOS.
import CVmnetBroker
import Foundation

extension VmnetBroker {
  /// A guest's DHCP lease on a network.
  public struct Lease: Sendable, Equatable {
    public let network: String
    /// The guest's MAC, lower case, colon separated.
    public let mac: String
    /// The leased IPv4 address.
    public let ip: String
    /// IPv6 addresses the broker knows for the MAC (often none).
    public let ipv6: [String]
    /// The name the guest sent; empty unless the MAC is on one of this user's
    /// interfaces (or an admin asks).
    public let hostname: String
    /// When the lease ends; `nil` for never.
    public let expires: Date?

    init(_ c: vmnet_broker_lease_t) {
      network = string(fromCArray: c.network)
      mac = string(fromCArray: c.mac)
      ip = string(fromCArray: c.ip)
      hostname = string(fromCArray: c.hostname)
      expires = c.expires_unix == 0 ? nil : Date(timeIntervalSince1970: TimeInterval(c.expires_unix))
      ipv6 = withUnsafeBytes(of: c.ipv6) { raw in
        (0..<Int(c.ipv6_count)).map { index in
          let slot = raw[(index * 46)..<((index + 1) * 46)]
          return String(decoding: slot.prefix { $0 != 0 }, as: UTF8.self)
        }
      }
    }
  }
}

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
