// SPDX-License-Identifier: Apache-2.0
#if os(Linux)
  import Foundation
  import Glibc
  import TAPProbe
  import Testing
  import VmnetBroker
  import VmnetBrokerProto

  @Suite(
    "live broker", .serialized,
    .enabled(if: LiveBroker.isAvailable, "needs VMNET_BROKER_SOCKET (run tools/swift/test.sh)"))
  struct LiveBrokerTests {
    func connect() throws -> VmnetBroker.Connection {
      try VmnetBroker.Connection(socketPath: LiveBroker.socketPath)
    }

    func references(of name: String) throws -> UInt32? {
      let observer = try connect()
      defer { observer.close() }
      return try observer.status().networks.first { $0.name == name }?.references
    }

    /// The broker sees a disconnect asynchronously: poll (bounded by a safety
    /// limit, not a timing assertion) until the count is `expected`.
    func references(of name: String, settlingAt expected: UInt32) throws -> UInt32 {
      var last = try references(of: name) ?? 0
      for _ in 0..<250 where last != expected {
        usleep(20_000)
        last = try references(of: name) ?? 0
      }
      return last
    }

    @Test("hello reports protocol 1 on linux")
    func hello() throws {
      let connection = try connect()
      defer { connection.close() }
      let hello = try connection.hello()
      #expect(hello.protocolVersion == 1)
      #expect(hello.platform == "linux")
      #expect(!hello.brokerVersion.isEmpty)
    }

    @Test("a connection names itself client-swift in the broker's status")
    func clientName() throws {
      let holder = try connect()
      defer { holder.close() }
      _ = try holder.acquireNetwork(named: "shared")
      let observer = try connect()
      defer { observer.close() }
      // The observer's own connection is left out of its status.
      #expect(try observer.status().peerClientNames.contains("client-swift"))
    }

    @Test("acquire shared returns its description and holds a reference")
    func acquireShared() throws {
      let connection = try connect()
      let network = try connection.acquireNetwork(named: "shared")
      #expect(network.name == "shared")
      #expect(network.mode == .shared)
      #expect(VmnetBrokerTestsAddress.isIPv4(network.subnet))
      #expect(VmnetBrokerTestsAddress.isIPv4(network.mask))
      #expect(VmnetBrokerTestsAddress.isIPv4(network.gateway))
      #expect(network.mtu > 0)
      #expect(!network.bridge.isEmpty)
      let held = try #require(try references(of: "shared"))
      #expect(held >= 1)
      // The connection is the lease: closing it drops our reference.
      connection.close()
      #expect(try references(of: "shared", settlingAt: held - 1) == held - 1)
    }

    @Test("an unknown network is NOT_FOUND and the connection stays usable")
    func notFound() throws {
      let connection = try connect()
      defer { connection.close() }
      #expect(throws: VmnetBroker.Error.notFound) {
        try connection.acquireNetwork(named: "no-such-network")
      }
      do {
        _ = try connection.acquireNetwork(named: "no-such-network")
        Issue.record("acquire of an unknown network succeeded")
      } catch VmnetBroker.Error.notFound {
        // The pattern matched by code.
      }
      #expect(try connection.acquireNetwork(named: "host").mode == .host)
    }

    @Test("open a TAP on shared: its fd reaches the gateway")
    func openTAP() throws {
      let connection = try connect()
      defer { connection.close() }
      let network = try connection.acquireNetwork(named: "shared")
      let tap = try network.openTAP()
      defer { tap.fileDescriptors.forEach { _ = Glibc.close($0) } }
      #expect(tap.fileDescriptors.count == 1)
      #expect(!tap.name.isEmpty)
      let fd = try #require(tap.fileDescriptors.first)
      #expect(fcntl(fd, F_GETFD) >= 0)
      let replier = try ARPProbe.probe(
        fds: [fd], gateway: network.gateway, subnet: network.subnet, mask: network.mask)
      #expect(replier == network.gateway)
    }

    @Test("a multi-queue TAP with a vnet header returns one fd per queue")
    func multiQueueTAP() throws {
      let connection = try connect()
      defer { connection.close() }
      let network = try connection.acquireNetwork(named: "shared")
      let tap = try network.openTAP(vnetHeader: true, queues: 2)
      defer { tap.fileDescriptors.forEach { _ = Glibc.close($0) } }
      #expect(tap.fileDescriptors.count == 2)
      #expect(Set(tap.fileDescriptors).count == 2)
      let replier = try ARPProbe.probe(
        fds: tap.fileDescriptors, gateway: network.gateway, subnet: network.subnet, mask: network.mask,
        vnetHeaderSize: 10)
      #expect(replier == network.gateway)
      #expect(throws: VmnetBroker.Error.invalidRequest) { try network.openTAP(queues: 0) }
    }

    @Test("a veth end moves into a namespace the test made, under the name asked for")
    func openVeth() async throws {
      let connection = try connect()
      defer { connection.close() }
      let network = try await connection.acquireNetwork(named: "shared")
      // A process in a network namespace of its own holds it for the test.
      let holder = Process()
      holder.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
      holder.arguments = ["--net", "/bin/sleep", "60"]
      try holder.run()
      defer {
        // SIGKILL: the runner's children may inherit an ignored SIGTERM.
        kill(holder.processIdentifier, SIGKILL)
        holder.waitUntilExit()
      }
      let files = FileManager.default
      let ours = try files.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")
      let path = "/proc/\(holder.processIdentifier)/ns/net"
      var theirs = ours
      for _ in 0..<250 where theirs == ours {
        usleep(20_000)
        theirs = (try? files.destinationOfSymbolicLink(atPath: path)) ?? ours
      }
      try #require(theirs != ours, "unshare --net did not make a namespace")
      let namespace = open(path, O_RDONLY | O_CLOEXEC)
      try #require(namespace >= 0)
      defer { _ = Glibc.close(namespace) }
      let veth = try await network.openVeth(namespaceFD: namespace, ifname: "vbswift0")
      #expect(veth.peerName == "vbswift0")
      #expect(!veth.name.isEmpty)
      #expect(veth.holder == .connection)
      let held = try await network.openVeth(namespaceFD: namespace, ifname: "vbswift1", holder: .interface)
      #expect(held.holder == .interface)
      #expect(held.peerName == "vbswift1")
      #expect(throws: VmnetBroker.Error.invalidRequest) {
        try network.openVeth(namespaceFD: namespace, ifname: "a-name-longer-than-ifnamsiz")
      }
    }

    @Test("a TAP held by the interface outlives its connection until its fd closes")
    func interfaceHeldTAP() throws {
      let connection = try connect()
      let network = try connection.acquireNetwork(named: "shared")
      let tap = try network.openTAP(holder: .interface)
      #expect(tap.holder == .interface)
      #expect(tap.guestMAC.split(separator: ":").count == 6)
      connection.close()
      let observer = try connect()
      defer { observer.close() }
      let held = try #require(try observer.status().networks.first { $0.name == "shared" })
      #expect(held.interfaceReferences == 1)
      #expect(held.interfaces.first { $0.name == tap.name }?.holder == .interface)
      tap.fileDescriptors.forEach { _ = Glibc.close($0) }
      var released = false
      for _ in 0..<100 where !released {
        released =
          try observer.status().networks.first { $0.name == "shared" }.map { $0.interfaceReferences == 0 } ?? true
        if !released { usleep(50_000) }
      }
      #expect(released)
    }

    @Test("a TAP is held by its connection by default")
    func connectionHeldTAP() throws {
      let connection = try connect()
      defer { connection.close() }
      let tap = try connection.acquireNetwork(named: "shared").openTAP()
      defer { tap.fileDescriptors.forEach { _ = Glibc.close($0) } }
      #expect(tap.holder == .connection)
    }

    @Test("a closed connection fails with transportFailure")
    func closedConnection() throws {
      let connection = try connect()
      let network = try connection.acquireNetwork(named: "shared")
      connection.close()
      #expect(throws: VmnetBroker.Error.transportFailure) { try connection.hello() }
      #expect(throws: VmnetBroker.Error.transportFailure) { try network.openTAP() }
    }

    @Test("concurrent acquires on one connection all succeed and count once")
    func concurrentAcquires() async throws {
      let connection = try await VmnetBroker.Connection.connect(socketPath: LiveBroker.socketPath)
      defer { connection.close() }
      let names = try await withThrowingTaskGroup(of: String.self) { group in
        for _ in 0..<16 {
          group.addTask { try await connection.acquireNetwork(named: "host").name }
        }
        return try await group.reduce(into: [String]()) { $0.append($1) }
      }
      #expect(names == Array(repeating: "host", count: 16))
      let status = try await connection.status()
      #expect(status.networks.first { $0.name == "host" }?.references == 1)
    }

    @Test("dropping the last reference to a connection releases its networks")
    func releaseOnDeinit() throws {
      let before = try references(of: "shared") ?? 0
      do {
        let network = try connect().acquireNetwork(named: "shared")
        #expect(try references(of: "shared") == before + 1)
        _ = network
      }
      #expect(try references(of: "shared", settlingAt: before) == before)
    }

    @Test("the Swift codec speaks to the broker: pipelined acquires, status, an unknown command")
    func swiftCodecOverTheWire() throws {
      let raw = try RawConnection(socketPath: try #require(LiveBroker.socketPath))
      let networks = try raw.pipelineAcquires(network: "host", count: 8)
      #expect(networks.count == 8)
      #expect(networks.allSatisfy { $0.name == "host" && $0.mode == .host && $0.mtu > 0 })

      var status = VmnetBroker_V1_Request()
      status.id = 100
      status.command = .status(VmnetBroker_V1_StatusRequest())
      let reply = try raw.call(status)
      #expect(reply.id == 100)
      guard case .status(let state)? = reply.result else {
        Issue.record("status answered with \(String(describing: reply.result))")
        return
      }
      #expect(state.platform == "linux")
      #expect(state.networks.contains { $0.network?.name == "host" && $0.references >= 1 })

      // A command from a newer schema (field 15) is an unknown field here and
      // INVALID_REQUEST there; the connection stays usable.
      var unknown = VmnetBroker_V1_Request()
      unknown.id = 101
      unknown.unknownFields = [0x7A, 0x00]
      let refused = try raw.call(unknown)
      #expect(refused.id == 101)
      guard case .error(let error)? = refused.result else {
        Issue.record("unknown command answered with \(String(describing: refused.result))")
        return
      }
      #expect(error.code == .invalidRequest)
      #expect(try raw.call(status).id == 100)
    }

    @Test("async variants and the default connection")
    func asyncDefaultConnection() async throws {
      let network = try await VmnetBroker.acquireNetwork(named: "shared")
      #expect(network.name == "shared")
      let status = try await network.connection.status()
      #expect(status.networks.contains { $0.name == "shared" && $0.references >= 1 })
      VmnetBroker.closeDefaultConnection()
      await #expect(throws: VmnetBroker.Error.transportFailure) {
        try await network.connection.hello()
      }
    }
  }

  @Suite("no broker")
  struct NoBrokerTests {
    @Test("connecting to a missing socket fails with transportFailure")
    func missingSocket() {
      #expect(throws: VmnetBroker.Error.transportFailure) {
        try VmnetBroker.Connection(socketPath: "/nonexistent/vmnet-broker/broker.sock")
      }
    }
  }

  enum VmnetBrokerTestsAddress {
    static func isIPv4(_ text: String) -> Bool {
      let parts = text.split(separator: ".", omittingEmptySubsequences: false)
      return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
    }
  }
#endif
