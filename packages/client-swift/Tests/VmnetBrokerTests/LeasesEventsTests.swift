// SPDX-License-Identifier: Apache-2.0
#if os(Linux)
  import Foundation
  import Testing
  import VmnetBroker

  @Suite(
    "live broker: leases and events", .serialized,
    .enabled(if: LiveBroker.isAvailable, "needs VMNET_BROKER_SOCKET (run tools/swift/test.sh)"))
  struct LeasesEventsTests {
    func connect() throws -> VmnetBroker.Connection {
      try VmnetBroker.Connection(socketPath: LiveBroker.socketPath)
    }

    @Test("a MAC without a lease is NOT_FOUND after the wait, and the connection stays usable")
    func leaseNotFound() async throws {
      let connection = try connect()
      defer { connection.close() }
      await #expect(throws: VmnetBroker.Error.notFound) {
        try await connection.waitForLease(network: "shared", mac: "52:54:00:16:99:99", timeout: .milliseconds(100))
      }
      #expect(throws: VmnetBroker.Error.notFound) {
        try connection.waitForLease(network: "no-such-network", mac: "52:54:00:16:99:99")
      }
      #expect(try await connection.hello().protocolVersion == 1)
    }

    @Test("events() streams on a connection of its own; a network acquired shows up")
    func events() async throws {
      let connection = try connect()
      defer { connection.close() }
      let stream = try connection.events()
      let holder = try connect()
      defer { holder.close() }
      // "host" may be live already from another test: a peer event shows up either way.
      _ = try await holder.acquireNetwork(named: "host")
      var seen: [VmnetBroker.Event] = []
      for try await event in stream {
        seen.append(event)
        if event.type == "peer-connected" || event.type == "network-created" { break }
      }
      #expect(!seen.isEmpty)
      #expect(seen.map(\.sequence) == seen.map(\.sequence).sorted())
      // The connection that asked stays usable.
      #expect(try await connection.hello().protocolVersion == 1)
    }
  }
#endif
