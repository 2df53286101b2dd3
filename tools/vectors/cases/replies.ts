// SPDX-License-Identifier: Apache-2.0
/** Replies: every result, every ErrorCode, and fully populated results. */
import { longAscii, MAX_UINT32, patternBytes, type VectorSpec, vector } from "../spec.js";
import { fullStatus } from "./status.js";

const ERROR_CODES = [
  ["transport_failure", "ERROR_CODE_TRANSPORT_FAILURE"],
  ["invalid_reply", "ERROR_CODE_INVALID_REPLY"],
  ["not_allowed", "ERROR_CODE_NOT_ALLOWED"],
  ["invalid_request", "ERROR_CODE_INVALID_REQUEST"],
  ["not_found", "ERROR_CODE_NOT_FOUND"],
  ["create_failure", "ERROR_CODE_CREATE_FAILURE"],
  ["internal_error", "ERROR_CODE_INTERNAL_ERROR"],
  ["limit_exceeded", "ERROR_CODE_LIMIT_EXCEEDED"],
  ["unsupported", "ERROR_CODE_UNSUPPORTED"],
] as const;

const errorReplies: VectorSpec[] = ERROR_CODES.map(([short, code], i) =>
  vector(`reply_error_${short}`, "Reply", `error reply with ${code} (${i + 1})`, {
    id: 100 + i,
    error: { code, message: `${short.replaceAll("_", " ")}: example message` },
  }),
);

export const sharedNetwork = {
  name: "shared",
  mode: "NETWORK_MODE_SHARED",
  description: "NAT to the host's uplinks",
  subnet: "192.168.105.0",
  mask: "255.255.255.0",
  gateway: "192.168.105.1",
  ipv6_prefix: "fd00:6e65:7400::/64",
  mtu: 1500,
  bridge: "vmbr-shared",
  dhcp: true,
  dns: true,
};

export const replyVectors: VectorSpec[] = [
  vector("reply_empty", "Reply", "empty Reply: zero bytes (no id, no result)", {}),
  vector("reply_error_id_zero", "Reply", "the reply to an undecodable frame: id 0, INVALID_REQUEST", {
    error: { code: "ERROR_CODE_INVALID_REQUEST", message: "frame does not decode as a Request" },
  }),
  ...errorReplies,
  vector("reply_error_future_code", "Reply", "an ErrorCode this schema does not name (10): kept as a number", {
    id: 110,
    error: { code: 10, message: "from a newer broker" },
  }),
  vector("reply_error_no_message", "Reply", "an error with a code and an empty message", {
    id: 111,
    error: { code: "ERROR_CODE_NOT_FOUND" },
  }),
  vector("reply_hello", "Reply", "hello reply with a repeated string field", {
    id: 1,
    hello: { protocol_version: 1, broker_version: "1.0.0", platform: "linux", features: ["status", "tap", "veth"] },
  }),
  vector("reply_network_shared", "Reply", "acquire reply: a shared network with every Linux field set", {
    id: 3,
    network: sharedNetwork,
  }),
  vector("reply_network_host", "Reply", "acquire reply: a host-only network without DHCP or DNS", {
    id: 4,
    network: {
      name: "host",
      mode: "NETWORK_MODE_HOST",
      subnet: "192.168.106.0",
      mask: "255.255.255.0",
      gateway: "192.168.106.1",
      mtu: 9000,
      bridge: "vmbr-host",
    },
  }),
  vector("reply_network_mode_unspecified", "Reply", "a network whose mode is the zero value: mode omitted", {
    id: 5,
    network: { name: "odd", mtu: 1500 },
  }),
  vector("reply_network_future_mode", "Reply", "a NetworkMode this schema does not name (3): kept as a number", {
    id: 6,
    network: { name: "future", mode: 3 },
  }),
  vector("reply_network_utf8", "Reply", "UTF-8 text: 2-, 3- and 4-byte sequences in strings", {
    id: 7,
    network: {
      name: "réseau-ネット",
      mode: "NETWORK_MODE_SHARED",
      description: "Ünïcödé: Grüße, 日本語のネットワーク, Ελληνικά, emoji 🖧🚀, combining e\u0301",
    },
  }),
  vector("reply_network_long_strings", "Reply", "long strings: 300 bytes (2-byte length) and 20000 bytes (3-byte length)", {
    id: 8,
    network: { name: longAscii(300), description: longAscii(20000), mtu: MAX_UINT32 },
  }),
  vector("reply_network_serialization", "Reply", "large bytes: a 100000-byte vmnet_serialization (macOS)", {
    id: 9,
    network: { name: "shared", mode: "NETWORK_MODE_SHARED", vmnet_serialization: patternBytes(100000) },
  }),
  vector("reply_status", "Reply", "status reply with networks, peers, leases, interfaces, counters", {
    id: 10,
    status: fullStatus,
  }),
  vector("reply_status_empty", "Reply", "status reply with an empty Status", { id: 11, status: {} }),
  vector("reply_interface_tap", "Reply", "open_interface reply for a 4-queue TAP", {
    id: 12,
    interface: {
      network_name: "shared",
      kind: "INTERFACE_KIND_TAP",
      name: "vmtap0",
      fd_count: 4,
      mac: "52:54:00:12:34:56",
    },
  }),
  vector("reply_interface_veth", "Reply", "open_interface reply for a veth", {
    id: 13,
    interface: {
      network_name: "host",
      kind: "INTERFACE_KIND_VETH",
      name: "vmveth0",
      peer_ifname: "eth0",
      mac: "de:ad:be:ef:00:01",
    },
  }),
  vector("reply_interface_tap_held_by_interface", "Reply", "open_interface reply for a TAP held by itself, with a guest MAC", {
    id: 14,
    interface: {
      network_name: "shared",
      kind: "INTERFACE_KIND_TAP",
      name: "vmtap-0a1b2c3d",
      fd_count: 1,
      mac: "7a:11:22:33:44:55",
      guest_mac: "52:54:00:ab:cd:ef",
      holder: "LEASE_HOLDER_INTERFACE",
    },
  }),
  vector("reply_interface_tap_vhost", "Reply", "open_interface reply for a 2-queue TAP with two vhost-net fds", {
    id: 16,
    interface: { network_name: "shared", kind: "INTERFACE_KIND_TAP", name: "vmtap-00112233", fd_count: 2, vhost_fd_count: 2 },
  }),
  vector(
    "reply_status_filtered",
    "Reply",
    "a non-admin's status: filtered view, an adopted network held by an interface, a configured network not live",
    {
      id: 15,
      status: {
        broker_version: "1.0.0",
        platform: "linux",
        view_filtered: true,
        networks: [
          {
            network: { name: "shared", mode: "NETWORK_MODE_SHARED", bridge: "vmbr-shared" },
            interface_references: 1,
            adopted: true,
            live: true,
            interfaces: [
              { name: "vmtap-0a1b2c3d", kind: "INTERFACE_KIND_TAP", peer_id: "7", holder: "LEASE_HOLDER_INTERFACE", owner_uid: 1000 },
            ],
          },
          { network: { name: "host", mode: "NETWORK_MODE_HOST" } },
        ],
      },
    },
  ),
];
