// SPDX-License-Identifier: Apache-2.0
/** A fully populated Status, shared by the Reply and Status vectors. */
import { MAX_INT64, MAX_UINT32, MAX_UINT64 } from "../spec.js";

export const fullStatus = {
  broker_version: "1.0.0",
  platform: "linux",
  pid: 4242,
  uptime_seconds: "86400",
  networks: [
    {
      network: {
        name: "shared",
        mode: "NETWORK_MODE_SHARED",
        subnet: "192.168.105.0",
        mask: "255.255.255.0",
        gateway: "192.168.105.1",
        mtu: 1500,
        bridge: "vmbr-shared",
        dhcp: true,
        dns: true,
      },
      references: 2,
      peer_ids: ["1", "2"],
      leases: [
        { mac: "52:54:00:00:00:01", ip: "192.168.105.10", hostname: "vm1", expires_unix: "1790000000" },
        { mac: "52:54:00:00:00:02", ip: "192.168.105.11", expires_unix: MAX_INT64 },
      ],
      interfaces: [
        { name: "vmtap0", kind: "INTERFACE_KIND_TAP", peer_id: "1" },
        { name: "vmveth0", kind: "INTERFACE_KIND_VETH", peer_id: "2" },
      ],
    },
    {
      network: { name: "host", mode: "NETWORK_MODE_HOST", bridge: "vmbr-host" },
      removal_in_ms: "120000",
    },
  ],
  peers: [
    { id: "1", uid: 1000, gid: 1000, pid: 100, networks: ["shared"], connected_seconds: "5", client_name: "client-go" },
    { id: "2", uid: 0, gid: 0, pid: MAX_UINT32, networks: ["shared", "host"], client_name: "client-ts" },
  ],
  counters: {
    peers_connected: "3",
    peers_disconnected: "1",
    requests: "10",
    errors: "1",
    acquires: "4",
    releases: "1",
    networks_created: "2",
    networks_removed: "0",
    interfaces_opened: "2",
  },
  config_errors: ['/etc/vmnet-broker.d/bad.json: field "subnet": not an IPv4 address'],
};

export const maxCounters = {
  peers_connected: MAX_UINT64,
  peers_disconnected: MAX_UINT64,
  requests: MAX_UINT64,
  errors: MAX_UINT64,
  acquires: MAX_UINT64,
  releases: MAX_UINT64,
  networks_created: MAX_UINT64,
  networks_removed: MAX_UINT64,
  interfaces_opened: MAX_UINT64,
};
