// SPDX-License-Identifier: Apache-2.0
/** Every message type on its own: empty, typical, and at its limits. */
import { MAX_INT64, MAX_UINT32, MAX_UINT64, MIN_INT64, type VectorSpec, vector } from "../spec.js";
import { sharedNetwork } from "./replies.js";
import { fullStatus, maxCounters } from "./status.js";

const EMPTY_TYPES = [
  "Request",
  "Reply",
  "Error",
  "HelloRequest",
  "HelloReply",
  "AcquireRequest",
  "Network",
  "PortForward",
  "StatusRequest",
  "Status",
  "NetworkStatus",
  "PeerStatus",
  "Lease",
  "InterfaceStatus",
  "Counters",
  "OpenInterfaceRequest",
  "TapOptions",
  "VethOptions",
  "Interface",
  "LeaseRequest",
  "SubscribeRequest",
  "Subscription",
  "Event",
];

const snake = (type: string): string => type.replace(/[A-Z]/g, (c, i: number) => (i > 0 ? "_" : "") + c.toLowerCase());

const emptyVectors: VectorSpec[] = EMPTY_TYPES.filter((t) => t !== "Request" && t !== "Reply").map((t) =>
  vector(`${snake(t)}_empty`, t, `empty ${t}: every field at its default, zero bytes`, {}),
);

export const messageVectors: VectorSpec[] = [
  ...emptyVectors,
  vector("error_code_success", "Error", "ERROR_CODE_SUCCESS (0) is the default: only the message is written", {
    message: "no error",
  }),
  vector("error_not_found", "Error", "an Error on its own", { code: "ERROR_CODE_NOT_FOUND", message: 'no network named "nope"' }),
  vector("hello_request_max_version", "HelloRequest", "the largest uint32 protocol version", {
    protocol_version: MAX_UINT32,
    client_name: "client-c",
  }),
  vector("hello_reply_features", "HelloReply", "repeated strings including an empty element", {
    protocol_version: 1,
    platform: "darwin",
    features: ["status", "", "tap"],
  }),
  vector("acquire_request", "AcquireRequest", "a configured network's name", { network_name: "lab-net" }),
  vector("network_full", "Network", "every Network field set", {
    ...sharedNetwork,
    vmnet_serialization: new Uint8Array([0, 1, 2, 0xfe, 0xff]),
    port_forwards: [
      { protocol: "TRANSPORT_PROTOCOL_TCP", external_port: 8080, internal_address: "192.168.105.10", internal_port: 80 },
      { protocol: "TRANSPORT_PROTOCOL_UDP", external_port: 65535, internal_address: "fd00:6e65:7400::10", internal_port: 1 },
    ],
  }),
  vector("port_forward_ipv6", "PortForward", "a UDP forward to an IPv6 guest, ports at their ends", {
    protocol: "TRANSPORT_PROTOCOL_UDP",
    external_port: 65535,
    internal_address: "fd00:6e65:7400::10",
    internal_port: 1,
  }),
  vector("status_full", "Status", "a Status with every repeated and nested field", fullStatus),
  vector("status_max_uptime", "Status", "uint64 at its maximum (10-byte varint)", {
    pid: MAX_UINT32,
    uptime_seconds: MAX_UINT64,
  }),
  vector("network_status_peer_ids", "NetworkStatus", "packed repeated uint64 with 0, varint boundaries and the maximum", {
    references: 5,
    peer_ids: ["0", "1", "127", "128", "16383", "16384", MAX_UINT64],
    removal_in_ms: MAX_UINT64,
  }),
  vector("network_status_overlay", "NetworkStatus", "a network across hosts: a nested Overlay with repeated peers", {
    network: { name: "lab" },
    live: true,
    overlay: { vni: 16777215, underlay: "wg0", local: "fd00::1", port: 4789, peers: ["fd00::2", "fd00::3"], serves_dhcp: true },
  }),
  vector("overlay_ipv4", "Overlay", "an overlay over an IPv4 underlay, local left to the broker", {
    vni: 1,
    underlay: "eth1",
    port: 8472,
    peers: ["192.0.2.2", "192.0.2.3", "192.0.2.4"],
  }),
  vector("peer_status", "PeerStatus", "a peer holding several networks", {
    id: MAX_UINT64,
    uid: MAX_UINT32,
    gid: MAX_UINT32,
    pid: 1,
    networks: ["shared", "host", "lab-net"],
    connected_seconds: "3600",
    client_name: "client-swift",
  }),
  vector("lease_max_int64", "Lease", "int64 at its maximum", {
    mac: "52:54:00:ab:cd:ef",
    ip: "10.0.0.2",
    hostname: "guest",
    expires_unix: MAX_INT64,
  }),
  vector("lease_min_int64", "Lease", "int64 at its minimum (negative: 10-byte varint)", { ip: "10.0.0.3", expires_unix: MIN_INT64 }),
  vector("lease_minus_one", "Lease", "int64 -1 (negative: 10-byte varint, not zigzag)", { expires_unix: "-1" }),
  vector("interface_status_tap", "InterfaceStatus", "InterfaceKind TAP", { name: "vmtap3", kind: "INTERFACE_KIND_TAP", peer_id: "3" }),
  vector("interface_status_veth", "InterfaceStatus", "InterfaceKind VETH", { name: "vmveth3", kind: "INTERFACE_KIND_VETH", peer_id: "3" }),
  vector("interface_status_unspecified", "InterfaceStatus", "InterfaceKind UNSPECIFIED (0) is omitted", { name: "vmx0", peer_id: "3" }),
  vector("counters_max", "Counters", "every counter at the largest uint64", maxCounters),
  vector("counters_small", "Counters", "counters of 1 (single-byte varints)", {
    peers_connected: "1",
    peers_disconnected: "1",
    requests: "1",
    errors: "1",
    acquires: "1",
    releases: "1",
    networks_created: "1",
    networks_removed: "1",
    interfaces_opened: "1",
  }),
  vector("open_interface_request_veth_defaults", "OpenInterfaceRequest", "veth with an empty VethOptions", {
    network_name: "shared",
    veth: {},
  }),
  vector("tap_options", "TapOptions", "a bool and a uint32", { vnet_header: true, queues: 16 }),
  vector("veth_options", "VethOptions", "an inner interface name", { ifname: "vm0" }),
  vector("interface_tap", "Interface", "an Interface on its own", {
    network_name: "shared",
    kind: "INTERFACE_KIND_TAP",
    name: "vmtap1",
    fd_count: 1,
    mac: "52:54:00:aa:bb:cc",
  }),
];
