// SPDX-License-Identifier: Apache-2.0
#if os(Linux)
  import CVmnetBroker
  import CVmnetBrokerConformance
  import Foundation
  import Glibc
  import TAPProbe
  @_spi(Conformance) import VmnetBroker

  /// One simulated client of a conformance case: one connection (the lease)
  /// and the networks and TAPs it holds. See protocol/conformance/README.md.
  final class ConformanceClient {
    private let socketPath = ProcessInfo.processInfo.environment["VMNET_BROKER_SOCKET"]
    private var connection: VmnetBroker.Connection?
    private var networks: [String: VmnetBroker.Network] = [:]
    private var lastTAP: (network: VmnetBroker.Network, tap: VmnetBroker.TAPInterface, vnetHeader: Bool)?
    private var heldFileDescriptors: [Int32] = []
    private var events: EventQueue?

    /// Runs one command and returns its result object.
    func run(_ command: [String: Any]) -> [String: Any] {
      guard let op = command["op"] as? String else {
        return JSONLines.failure(code: 4, message: "command has no string \"op\"")
      }
      do {
        switch op {
        case "connect": return try connect()
        case "hello": return try hello()
        case "acquire": return try acquire(network: try field(command, "network"))
        case "status": return try status()
        case "open_tap": return try openTAP(command)
        case "tap_probe": return try tapProbe()
        case "close_taps": return closeTAPs()
        case "pipeline":
          return try pipelineAcquires(network: try field(command, "network"), count: try count(command))
        case "wait_lease": return try waitLease(command)
        case "subscribe": return try subscribe()
        case "next_event": return try nextEvent(command)
        case "close": return close()
        case "exit": exit(0)
        default: return JSONLines.failure(code: 4, message: "unknown op \"\(op)\"")
        }
      } catch let error as VmnetBroker.Error {
        return JSONLines.failure(code: error.code, message: error.errorDescription ?? "")
      } catch {
        return JSONLines.failure(code: 7, message: "\(error)")
      }
    }

    private func open() throws -> VmnetBroker.Connection {
      guard let connection else {
        throw VmnetBroker.Error(code: 1, detail: "not connected (send \"connect\" first)")
      }
      return connection
    }

    private func connect() throws -> [String: Any] {
      connection = try VmnetBroker.Connection(socketPath: socketPath)
      return JSONLines.success()
    }

    private func hello() throws -> [String: Any] {
      let hello = try open().hello()
      return JSONLines.success([
        "protocol_version": Int(hello.protocolVersion), "broker_version": hello.brokerVersion,
        "platform": hello.platform,
      ])
    }

    private func acquire(network name: String) throws -> [String: Any] {
      let network = try open().acquireNetwork(named: name)
      networks[name] = network
      let mode: String =
        switch network.mode {
        case .shared: "shared"
        case .host: "host"
        case .unspecified: "unspecified"
        }
      return JSONLines.success([
        "network": [
          "name": network.name, "mode": mode, "subnet": network.subnet, "mask": network.mask,
          "gateway": network.gateway, "mtu": Int(network.mtu), "bridge": network.bridge,
        ] as [String: Any]
      ])
    }

    private func status() throws -> [String: Any] {
      let status = try open().status()
      return JSONLines.success([
        "networks": status.networks.map { ["name": $0.name, "references": Int($0.references)] as [String: Any] },
        "peers": status.peerCount,
      ])
    }

    private func openTAP(_ command: [String: Any]) throws -> [String: Any] {
      let connection = try open()
      let name: String = try field(command, "network")
      let vnetHeader = command["vnet_header"] as? Bool ?? false
      let queues = (command["queues"] as? Int).map { $0 == 0 ? 1 : $0 } ?? 1
      let holder = try self.holder(command)
      let named = command["named"] as? Bool ?? false
      let vhostNet = command["vhost_net"] as? Bool ?? false
      let tap: VmnetBroker.TAPInterface
      if let network = networks[name] {
        tap = try network.openTAP(
          vnetHeader: vnetHeader, queues: queues, holder: holder, named: named, vhostNet: vhostNet)
        lastTAP = tap.fileDescriptors.isEmpty ? nil : (network, tap, vnetHeader)
      } else {
        // The Swift API opens TAPs only on networks `acquire` returned; ask by
        // name so the broker answers for one this connection does not hold.
        let flags = VmnetBroker.tapFlags(vnetHeader: vnetHeader, named: named, vhostNet: vhostNet)
        tap = try openTAPByName(connection, name: name, flags: flags, queues: queues, holder: holder)
      }
      heldFileDescriptors += tap.fileDescriptors + tap.vhostFileDescriptors
      return JSONLines.success([
        "name": tap.name, "fds": tap.fileDescriptors.count, "vhost_fds": tap.vhostFileDescriptors.count,
        "holder": tap.holder == .interface ? "interface" : "connection", "guest_mac": tap.guestMAC,
      ])
    }

    private func holder(_ command: [String: Any]) throws -> VmnetBroker.Holder {
      switch command["holder"] as? String ?? "connection" {
      case "connection": return .connection
      case "interface": return .interface
      default: throw VmnetBroker.Error(code: 4, detail: "holder must be \"connection\" or \"interface\"")
      }
    }

    private func openTAPByName(
      _ connection: VmnetBroker.Connection, name: String, flags: UInt32, queues: Int, holder: VmnetBroker.Holder
    ) throws -> VmnetBroker.TAPInterface {
      guard (1...Int(VMNET_BROKER_MAX_QUEUES)).contains(queues) else {
        throw VmnetBroker.Error(code: 4, detail: "queues must be 1...\(VMNET_BROKER_MAX_QUEUES)")
      }
      return try connection.withCSession { session in
        var fds = [Int32](repeating: -1, count: 2 * queues)
        var info = vmnet_broker_interface_info_t()
        var status = VMNET_BROKER_SUCCESS
        let result = fds.withUnsafeMutableBufferPointer { buffer in
          vbc_open_tap_by_name(
            session, name, flags, UInt32(queues), holder.cValue, buffer.baseAddress, &info, &status)
        }
        guard result == 0 else {
          throw VmnetBroker.Error(
            code: Int32(bitPattern: status.rawValue), detail: String(cString: vmnet_broker_last_error()))
        }
        let vhostCount = flags & VMNET_BROKER_TAP_VHOST_NET != 0 ? queues : 0
        return VmnetBroker.TAPInterface(info, fileDescriptors: fds, vhostCount: vhostCount)
      }
    }

    /// Closes every TAP descriptor this program holds.
    private func closeTAPs() -> [String: Any] {
      let closed = heldFileDescriptors.count
      heldFileDescriptors.forEach { _ = Glibc.close($0) }
      heldFileDescriptors = []
      lastTAP = nil
      return JSONLines.success(["closed": closed])
    }

    private func tapProbe() throws -> [String: Any] {
      guard let (network, tap, vnetHeader) = lastTAP else {
        throw VmnetBroker.Error(code: 4, detail: "tap_probe needs an open_tap first")
      }
      do {
        let replier = try ARPProbe.probe(
          fds: tap.fileDescriptors, gateway: network.gateway, subnet: network.subnet, mask: network.mask,
          vnetHeaderSize: vnetHeader ? 10 : 0)
        return JSONLines.success(["reply_from": replier])
      } catch let failure as ARPProbe.Failure {
        throw VmnetBroker.Error(code: 7, detail: failure.description)
      }
    }

    private func pipelineAcquires(network: String, count: Int) throws -> [String: Any] {
      try open().withCSession { session in
        let status = vbc_pipeline_acquire(session, network, UInt32(count))
        guard status == VMNET_BROKER_SUCCESS else {
          throw VmnetBroker.Error(
            code: Int32(bitPattern: status.rawValue), detail: String(cString: vmnet_broker_last_error()))
        }
      }
      return JSONLines.success(["replies": count])
    }

    /// Closes the connection; the TAP descriptors stay open until `close_taps`
    /// (an interface-held TAP outlives the connection).
    private func waitLease(_ command: [String: Any]) throws -> [String: Any] {
      let lease = try open().waitForLease(
        network: try field(command, "network"), mac: try field(command, "mac"),
        timeout: .milliseconds(command["wait_ms"] as? Int ?? 0))
      return JSONLines.success(["lease": ["ip": lease.ip, "mac": lease.mac, "network": lease.network]])
    }

    private func subscribe() throws -> [String: Any] {
      events?.cancel()
      events = EventQueue(try open().events())
      return JSONLines.success()
    }

    /// The next event of "type" (others skipped) within wait_ms, else code 5.
    private func nextEvent(_ command: [String: Any]) throws -> [String: Any] {
      guard let events else { throw VmnetBroker.Error(code: 4, detail: "next_event before subscribe") }
      let type = command["type"] as? String
      let deadline = DispatchTime.now() + .milliseconds(command["wait_ms"] as? Int ?? 10_000)
      while let event = try events.next(before: deadline) {
        guard type == nil || event.type == type else { continue }
        var result: [String: Any] = ["type": event.type, "network": event.network, "sequence": Int(event.sequence)]
        if let lease = event.lease { result["lease"] = ["ip": lease.ip, "mac": lease.mac] }
        return JSONLines.success(result)
      }
      throw VmnetBroker.Error(code: 5, detail: "no \(type ?? "event") within the wait")
    }

    private func close() -> [String: Any] {
      events?.cancel()
      events = nil
      connection?.close()
      connection = nil
      networks = [:]
      return JSONLines.success()
    }

    private func field(_ command: [String: Any], _ name: String) throws -> String {
      guard let value = command[name] as? String else {
        throw VmnetBroker.Error(code: 4, detail: "command needs a string \"\(name)\"")
      }
      return value
    }

    private func count(_ command: [String: Any]) throws -> Int {
      guard let value = command["count"] as? Int, value >= 1 else {
        throw VmnetBroker.Error(code: 4, detail: "command needs a positive integer \"count\"")
      }
      return value
    }
  }
#endif
