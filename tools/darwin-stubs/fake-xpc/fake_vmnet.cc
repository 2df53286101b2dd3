// SPDX-License-Identifier: Apache-2.0
// A TEST DOUBLE of the vmnet network API (macOS 26) and CFRetain/CFRelease, for
// running native/src/darwin/vmnet_network.cc on Linux. It records every setting
// and hands it back in the serialization, so a test sees exactly what reached
// vmnet. Its rules (documented vmnet behaviour, simplified):
// - subnets must lie in 192.168.0.0/16 and be given by their first usable
//   address (.1 of a /24): anything else is VMNET_INVALID_ARGUMENT;
// - MTU must be 1280..16384, else VMNET_INVALID_ARGUMENT;
// - a network on 192.168.2.0/24 fails with VMNET_SHARING_SERVICE_BUSY, as when
//   Internet Sharing holds that subnet;
// - a network on 192.168.99.0/24 hangs vmnet_network_create until the test calls
//   fake_vmnet::release_hung(), as vmnet has been seen to hang its caller;
// - without a subnet, shared gets 192.168.64.1/24 and host 192.168.128.1/24.
// The serialization's "calls" lists every configuration setter called, in order.
// Never shipped.
#include <CoreFoundation/CoreFoundation.h>
#include <arpa/inet.h>
#include <vmnet/vmnet.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

namespace {

std::atomic<long> live_cf_objects{0};

std::mutex hang_mutex;
std::condition_variable hang_released;
bool hung_released = false;

struct CFObject {
  CFObject() { live_cf_objects++; }
  virtual ~CFObject() { live_cf_objects--; }
  std::atomic<int> refs{1};
};

std::string Ipv4(const struct in_addr& a) {
  char text[INET_ADDRSTRLEN] = {0};
  inet_ntop(AF_INET, &a, text, sizeof(text));
  return text;
}

}  // namespace

struct vmnet_network_configuration_s : CFObject {
  vmnet_mode_t mode = VMNET_SHARED_MODE;
  bool has_subnet = false;
  struct in_addr subnet {};
  struct in_addr mask {};
  std::string ipv6 = "";
  uint32_t mtu = 1500;
  std::string disabled;  // letters of the features turned off, in call order
  std::string external_interface;
  std::vector<std::string> rules;
  std::vector<std::string> reservations;
  std::string calls;  // every setter called, in order, comma separated
  void Called(const char* setter) {
    calls += (calls.empty() ? "" : ",") + std::string(setter);
  }
};

struct vmnet_network_s : CFObject {
  vmnet_network_configuration_s config;
};

namespace fake_vmnet {
long live_objects() { return live_cf_objects.load(); }
void release_hung() {
  std::lock_guard<std::mutex> lock(hang_mutex);
  hung_released = true;
  hang_released.notify_all();
}
}  // namespace fake_vmnet

extern "C" {

CFTypeRef CFRetain(CFTypeRef cf) {
  static_cast<CFObject*>(const_cast<void*>(cf))->refs++;
  return cf;
}

void CFRelease(CFTypeRef cf) {
  auto* object = static_cast<CFObject*>(const_cast<void*>(cf));
  if (--object->refs == 0) delete object;
}

vmnet_network_configuration_ref vmnet_network_configuration_create(
    vmnet_mode_t mode, vmnet_return_t* status) {
  if (mode != VMNET_SHARED_MODE && mode != VMNET_HOST_MODE) {
    *status = VMNET_INVALID_ARGUMENT;
    return nullptr;
  }
  auto* config = new vmnet_network_configuration_s();
  config->mode = mode;
  *status = VMNET_SUCCESS;
  return config;
}

void vmnet_network_configuration_disable_nat44(vmnet_network_configuration_ref c) {
  c->Called("disable_nat44");
  c->disabled += "4";
}
void vmnet_network_configuration_disable_nat66(vmnet_network_configuration_ref c) {
  c->Called("disable_nat66");
  c->disabled += "6";
}
void vmnet_network_configuration_disable_dhcp(vmnet_network_configuration_ref c) {
  c->Called("disable_dhcp");
  c->disabled += "D";
}
void vmnet_network_configuration_disable_dns_proxy(vmnet_network_configuration_ref c) {
  c->Called("disable_dns_proxy");
  c->disabled += "P";
}
void vmnet_network_configuration_disable_router_advertisement(
    vmnet_network_configuration_ref c) {
  c->Called("disable_router_advertisement");
  c->disabled += "R";
}

vmnet_return_t vmnet_network_configuration_set_external_interface(
    vmnet_network_configuration_ref c, const char* ifname) {
  c->Called("set_external_interface");
  c->external_interface = ifname;
  return VMNET_SUCCESS;
}

vmnet_return_t vmnet_network_configuration_set_ipv4_subnet(
    vmnet_network_configuration_ref c, const struct in_addr* subnet_addr,
    const struct in_addr* subnet_mask) {
  c->Called("set_ipv4_subnet");
  const uint32_t address = ntohl(subnet_addr->s_addr);
  const uint32_t mask = ntohl(subnet_mask->s_addr);
  const bool in_range = (address & 0xffff0000u) == 0xc0a80000u;  // 192.168/16
  const bool first_usable = (address & ~mask) == 1;
  if (!in_range || !first_usable) return VMNET_INVALID_ARGUMENT;
  c->has_subnet = true;
  c->subnet = *subnet_addr;
  c->mask = *subnet_mask;
  return VMNET_SUCCESS;
}

vmnet_return_t vmnet_network_configuration_set_ipv6_prefix(
    vmnet_network_configuration_ref c, const struct in6_addr* prefix,
    uint8_t prefix_len) {
  c->Called("set_ipv6_prefix");
  char text[INET6_ADDRSTRLEN] = {0};
  inet_ntop(AF_INET6, prefix, text, sizeof(text));
  c->ipv6 = std::string(text) + "/" + std::to_string(prefix_len);
  return VMNET_SUCCESS;
}

vmnet_return_t vmnet_network_configuration_set_mtu(vmnet_network_configuration_ref c,
                                                   uint32_t mtu) {
  c->Called("set_mtu");
  if (mtu < 1280 || mtu > 16384) return VMNET_INVALID_ARGUMENT;
  c->mtu = mtu;
  return VMNET_SUCCESS;
}

vmnet_return_t vmnet_network_configuration_add_port_forwarding_rule(
    vmnet_network_configuration_ref c, uint8_t protocol, sa_family_t address_family,
    uint16_t internal_port, uint16_t external_port, const void* internal_address) {
  c->Called("add_port_forwarding_rule");
  if (address_family != AF_INET) return VMNET_INVALID_ARGUMENT;
  const char* name = protocol == IPPROTO_TCP   ? "tcp"
                     : protocol == IPPROTO_UDP ? "udp"
                                               : nullptr;
  if (name == nullptr) return VMNET_INVALID_ARGUMENT;
  c->rules.push_back(std::string(name) + " " + std::to_string(external_port) + "->" +
                     Ipv4(*static_cast<const struct in_addr*>(internal_address)) + ":" +
                     std::to_string(internal_port));
  return VMNET_SUCCESS;
}

vmnet_return_t vmnet_network_configuration_add_dhcp_reservation(
    vmnet_network_configuration_ref c, const ether_addr_t* client,
    const struct in_addr* reservation) {
  c->Called("add_dhcp_reservation");
  char mac[18];
  std::snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", client->octet[0],
                client->octet[1], client->octet[2], client->octet[3], client->octet[4],
                client->octet[5]);
  c->reservations.push_back(std::string(mac) + "=" + Ipv4(*reservation));
  return VMNET_SUCCESS;
}

vmnet_network_ref vmnet_network_create(vmnet_network_configuration_ref configuration,
                                       vmnet_return_t* status) {
  vmnet_network_configuration_s chosen;
  chosen.mode = configuration->mode;
  chosen.has_subnet = true;
  chosen.subnet = configuration->subnet;
  chosen.mask = configuration->mask;
  if (!configuration->has_subnet) {
    inet_pton(AF_INET,
              configuration->mode == VMNET_HOST_MODE ? "192.168.128.1" : "192.168.64.1",
              &chosen.subnet);
    inet_pton(AF_INET, "255.255.255.0", &chosen.mask);
  }
  if ((ntohl(chosen.subnet.s_addr) & 0xffffff00u) == 0xc0a86300u) {  // 192.168.99.0/24
    std::unique_lock<std::mutex> lock(hang_mutex);
    hang_released.wait(lock, [] { return hung_released; });
  }
  if ((ntohl(chosen.subnet.s_addr) & 0xffffff00u) == 0xc0a80200u) {  // 192.168.2.0/24
    *status = VMNET_SHARING_SERVICE_BUSY;
    return nullptr;
  }
  auto* network = new vmnet_network_s();
  network->config.mode = chosen.mode;
  network->config.has_subnet = true;
  network->config.subnet = chosen.subnet;
  network->config.mask = chosen.mask;
  network->config.ipv6 =
      configuration->ipv6.empty() ? "fd9b:5a14:ba57::/64" : configuration->ipv6;
  network->config.mtu = configuration->mtu;
  network->config.disabled = configuration->disabled;
  network->config.external_interface = configuration->external_interface;
  network->config.rules = configuration->rules;
  network->config.reservations = configuration->reservations;
  network->config.calls = configuration->calls;
  *status = VMNET_SUCCESS;
  return network;
}

// The serialization: everything the network was made with, as an XPC dictionary.
xpc_object_t vmnet_network_copy_serialization(vmnet_network_ref network,
                                              vmnet_return_t* status) {
  const vmnet_network_configuration_s& c = network->config;
  xpc_object_t dict = xpc_dictionary_create(nullptr, nullptr, 0);
  auto set = [dict](const char* key, const std::string& value) {
    xpc_object_t s = xpc_string_create(value.c_str());
    xpc_dictionary_set_value(dict, key, s);
    xpc_release(s);
  };
  set("mode", c.mode == VMNET_HOST_MODE ? "host" : "shared");
  set("subnet", Ipv4(c.subnet));
  set("mask", Ipv4(c.mask));
  set("ipv6", c.ipv6);
  set("mtu", std::to_string(c.mtu));
  set("disabled", c.disabled);
  set("external_interface", c.external_interface);
  std::string rules, reservations;
  for (const auto& r : c.rules) rules += (rules.empty() ? "" : ",") + r;
  for (const auto& r : c.reservations)
    reservations += (reservations.empty() ? "" : ",") + r;
  set("rules", rules);
  set("reservations", reservations);
  set("calls", c.calls);
  *status = VMNET_SUCCESS;
  return dict;
}

vmnet_network_ref vmnet_network_create_with_serialization(xpc_object_t,
                                                          vmnet_return_t* status) {
  *status = VMNET_FAILURE;  // only clients call this; the broker never does
  return nullptr;
}

void vmnet_network_get_ipv4_subnet(vmnet_network_ref network, struct in_addr* subnet,
                                   struct in_addr* mask) {
  *subnet = network->config.subnet;
  *mask = network->config.mask;
}

void vmnet_network_get_ipv6_prefix(vmnet_network_ref network, struct in6_addr* prefix,
                                   uint8_t* prefix_len) {
  const std::string& text = network->config.ipv6;
  const size_t slash = text.find('/');
  inet_pton(AF_INET6, text.substr(0, slash).c_str(), prefix);
  *prefix_len = static_cast<uint8_t>(std::stoi(text.substr(slash + 1)));
}

}  // extern "C"
