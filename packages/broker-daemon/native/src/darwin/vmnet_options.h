// SPDX-License-Identifier: Apache-2.0
// The settings of one vmnet network, parsed and checked on the JavaScript
// thread (every error names its field) so the worker thread only calls vmnet.
#pragma once

#include <napi.h>
#include <netinet/in.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vmnet_broker_darwin {

struct VmnetPortForward {
  uint8_t protocol;         // IPPROTO_TCP or IPPROTO_UDP
  uint16_t external_port;   // host byte order, as vmnet expects
  uint16_t internal_port;   // host byte order
  struct in_addr internal;  // the guest's address
};

struct VmnetReservation {
  uint8_t mac[6];
  struct in_addr ip;
};

struct VmnetOptions {
  bool shared_mode = true;
  // vmnet wants the gateway (first usable) address, not the network address.
  std::optional<struct in_addr> subnet_gateway;
  std::optional<struct in_addr> subnet_mask;
  std::optional<struct in6_addr> ipv6_prefix;
  uint8_t ipv6_prefix_length = 0;
  // Absent: vmnet's default, and set_mtu is never called.
  std::optional<uint32_t> mtu;
  // False turns the feature off; true leaves vmnet's default alone.
  bool nat44 = true;
  bool nat66 = true;
  bool dhcp = true;
  bool dns_proxy = true;
  bool router_advertisement = true;
  std::string external_interface;
  std::vector<VmnetPortForward> port_forwarding;
  std::vector<VmnetReservation> dhcp_reservations;
};

// Fills *out from a JavaScript options object; on error throws a TypeError
// naming the field and returns false.
bool ParseVmnetOptions(Napi::Env env, Napi::Value value, VmnetOptions* out);

}  // namespace vmnet_broker_darwin
