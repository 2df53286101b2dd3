// SPDX-License-Identifier: Apache-2.0
/// The vmnet-broker client: acquire a shared VM network by name.
///
/// **The connection is the lease.** Every network you acquire stays reserved
/// while the connection that acquired it is open. Closing it, or the process
/// exiting or dying, releases all of them; there is no per-network release.
///
/// - macOS: `acquireNetwork(named:)` returns the vmnet network's XPC
///   serialization, exactly like the existing vmnet-broker Swift package; pass
///   it to `vmnet_network_create_with_serialization`.
/// - Linux: `acquireNetwork(named:)` returns a ``Network`` description; open TAP
///   devices on it with ``Network/openTAP(vnetHeader:queues:)``. Use a
///   ``Connection`` for an explicit lease you can close.
public enum VmnetBroker {}
