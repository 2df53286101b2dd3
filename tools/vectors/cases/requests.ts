// SPDX-License-Identifier: Apache-2.0
/** Requests: every command, the empty request, and extreme ids. */
import { MAX_UINT32, type VectorSpec, vector } from "../spec.js";

export const requestVectors: VectorSpec[] = [
  vector("request_empty", "Request", "empty Request: zero bytes; the broker answers INVALID_REQUEST", {}),
  vector("request_id_only", "Request", "an id and no command", { id: 7 }),
  vector("request_hello", "Request", "hello with every field", {
    id: 1,
    hello: { protocol_version: 1, client_name: "client-go", client_version: "0.1.0" },
  }),
  vector("request_hello_empty", "Request", "hello set to an empty message: the oneof is still present", {
    id: 2,
    hello: {},
  }),
  vector("request_acquire_shared", "Request", "acquire the built-in shared network", {
    id: 3,
    acquire: { network_name: "shared" },
  }),
  vector("request_acquire_host", "Request", "acquire the built-in host network", {
    id: 4,
    acquire: { network_name: "host" },
  }),
  vector("request_acquire_empty_name", "Request", "acquire with no name (an invalid request, valid encoding)", {
    id: 5,
    acquire: {},
  }),
  vector("request_status", "Request", "status: an empty submessage in the oneof", { id: 6, status: {} }),
  vector("request_open_tap", "Request", "open a multi-queue TAP with a vnet header", {
    id: 7,
    open_interface: { network_name: "shared", tap: { vnet_header: true, queues: 4 } },
  }),
  vector("request_open_tap_defaults", "Request", "open a TAP with default options (empty TapOptions)", {
    id: 8,
    open_interface: { network_name: "host", tap: {} },
  }),
  vector("request_open_veth", "Request", "open a veth with a chosen inner name", {
    id: 9,
    open_interface: { network_name: "shared", veth: { ifname: "eth1" } },
  }),
  vector("request_open_tap_interface_holder", "Request", "open a TAP whose interface holds the lease (LEASE_HOLDER_INTERFACE)", {
    id: 10,
    open_interface: { network_name: "shared", tap: { vnet_header: true, holder: "LEASE_HOLDER_INTERFACE" } },
  }),
  vector("request_open_tap_named_vhost", "Request", "open a TAP by name with vhost-net fds (issue: VMMs without code changes)", {
    id: 11,
    open_interface: { network_name: "shared", tap: { queues: 2, named: true, vhost_net: true } },
  }),
  vector("request_lease_wait", "Request", "look up a guest's lease, waiting up to 30 s", {
    id: 12,
    lease: { network_name: "shared", mac: "52:54:00:ab:cd:ef", wait_ms: 30000 },
  }),
  vector("request_subscribe", "Request", "turn the connection into an event stream", { id: 13, subscribe: {} }),
  vector("request_max_id", "Request", "the largest uint32 id (5-byte varint)", {
    id: MAX_UINT32,
    acquire: { network_name: "shared" },
  }),
  vector("request_id_128", "Request", "id 128, the first 2-byte varint", { id: 128, status: {} }),
];
