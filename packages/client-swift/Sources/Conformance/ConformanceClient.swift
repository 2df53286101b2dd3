#if os(Linux)
  import Foundation
  import Glibc
  import TAPProbe
  import VmnetBroker

  /// One simulated client of a conformance case: one connection (the lease)
  /// and the networks and TAPs it holds. See protocol/conformance/README.md.
  final class ConformanceClient {
    private let socketPath = ProcessInfo.processInfo.environment["VMNET_BROKER_SOCKET"]
    private var connection: VmnetBroker.Connection?
    private var networks: [String: VmnetBroker.Network] = [:]
    private var lastTAP: (network: VmnetBroker.Network, tap: VmnetBroker.TAPInterface, vnetHeader: Bool)?
    private var heldFileDescriptors: [Int32] = []
    private var pipeline: PipelineConnection?

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
        case "pipeline":
          return try pipelineAcquires(network: try field(command, "network"), count: try count(command))
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
      _ = try open()
      let name: String = try field(command, "network")
      guard let network = networks[name] else {
        // The Swift API opens TAPs on acquired networks only (it needs the
        // handle acquire returned), so this is refused before the broker.
        throw VmnetBroker.Error(code: 4, detail: "network \"\(name)\" was not acquired on this connection")
      }
      let vnetHeader = command["vnet_header"] as? Bool ?? false
      let queues = (command["queues"] as? Int).map { $0 == 0 ? 1 : $0 } ?? 1
      let tap = try network.openTAP(vnetHeader: vnetHeader, queues: queues)
      heldFileDescriptors += tap.fileDescriptors
      lastTAP = (network, tap, vnetHeader)
      return JSONLines.success(["name": tap.name, "fds": tap.fileDescriptors.count])
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
      _ = try open()
      if pipeline == nil {
        pipeline = try PipelineConnection(socketPath: socketPath ?? "/run/vmnet-broker/broker.sock")
      }
      guard let pipeline else { throw VmnetBroker.Error.internalError }
      return JSONLines.success(["replies": try pipeline.pipelineAcquires(network: network, count: count)])
    }

    private func close() -> [String: Any] {
      connection?.close()
      connection = nil
      pipeline = nil
      networks = [:]
      lastTAP = nil
      heldFileDescriptors.forEach { _ = Glibc.close($0) }
      heldFileDescriptors = []
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
