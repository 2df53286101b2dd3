// SPDX-License-Identifier: Apache-2.0
// A runnable example: acquire a network, optionally open a TAP on it, print
// what the broker handed out, and hold the lease until stdin closes.
//
//   vmnet-broker-swift-example [NETWORK] [--tap]
#if os(Linux)
  import Foundation
  import VmnetBroker

  let arguments = CommandLine.arguments.dropFirst()
  let name = arguments.first { !$0.hasPrefix("-") } ?? "shared"
  do {
    let connection = try VmnetBroker.Connection()
    let network = try connection.acquireNetwork(named: name)
    print("network \(network.name): \(network.subnet)/\(network.mask) gateway \(network.gateway)")
    print("  bridge \(network.bridge), mtu \(network.mtu), dhcp \(network.dhcp), dns \(network.dns)")
    if arguments.contains("--tap") {
      let tap = try network.openTAP()
      print("tap \(tap.name) mac \(tap.mac) fds \(tap.fileDescriptors)")
      print("  e.g. qemu-system-x86_64 -netdev tap,id=n0,fd=\(tap.fileDescriptors[0]) ...")
    }
    print("holding the lease until stdin closes")
    while readLine() != nil {}
    connection.close()
  } catch {
    FileHandle.standardError.write(Data("vmnet-broker-swift-example: \(error.localizedDescription)\n".utf8))
    exit((error as? VmnetBroker.Error)?.code ?? 7)
  }
#else
  import Foundation
  import VmnetBroker

  do {
    let serialization = try VmnetBroker.acquireNetwork(named: CommandLine.arguments.dropFirst().first ?? "shared")
    print("acquired; pass \(serialization) to vmnet_network_create_with_serialization")
  } catch {
    print("vmnet-broker-swift-example: \(error.localizedDescription)")
  }
#endif
