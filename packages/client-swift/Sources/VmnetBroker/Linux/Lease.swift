// SPDX-License-Identifier: Apache-2.0
#if os(Linux)
  import CVmnetBroker
  import Foundation

  extension VmnetBroker.Connection {
    /// The longest the broker waits for a lease.
    public static let maxLeaseWait: Duration = .seconds(600)

    /// The DHCP lease of the guest with this MAC on a network this user may
    /// acquire (it need not be held), waiting up to `timeout` (capped at
    /// ``maxLeaseWait``) for the guest to take one. Throws `notFound` when
    /// there is none by then. The broker answers a connection's requests one
    /// at a time: other calls on this connection wait meanwhile.
    public func waitForLease(network: String, mac: String, timeout: Duration = .zero) throws -> VmnetBroker.Lease {
      let waitMs = timeout <= .zero ? 0 : Self.milliseconds(min(timeout, Self.maxLeaseWait))
      return try withSession { session in
        var out = vmnet_broker_lease_t()
        var status = VMNET_BROKER_SUCCESS
        guard vmnet_broker_session_wait_for_lease(session, network, mac, waitMs, &out, &status) == 0 else {
          throw VmnetBroker.Error.fromC(status)
        }
        return VmnetBroker.Lease(out)
      }
    }

    /// `waitForLease(network:mac:timeout:)` without blocking the caller's
    /// thread; cancelling it closes the connection.
    public func waitForLease(network: String, mac: String, timeout: Duration = .zero) async throws
      -> VmnetBroker.Lease
    {
      try await cancellable { try self.waitForLease(network: network, mac: mac, timeout: timeout) }
    }
  }
#endif
