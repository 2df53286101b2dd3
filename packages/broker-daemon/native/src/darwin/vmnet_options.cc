// SPDX-License-Identifier: Apache-2.0
#include "vmnet_options.h"

#include <arpa/inet.h>

#include <cstdio>

namespace vmnet_broker_darwin {
namespace {

const char kUsage[] =
    "usage: vmnetCreateNetwork({mode: \"shared\"|\"host\", subnetGateway?, "
    "subnetMask?, ipv6Prefix?, "
    "ipv6PrefixLength?, mtu?, nat44, nat66, dhcp, dnsProxy, routerAdvertisement, "
    "externalInterface?, "
    "portForwarding: [...], dhcpReservations: [...]})";

bool Fail(Napi::Env env, const std::string& message) {
  Napi::TypeError::New(env, message + "; " + kUsage).ThrowAsJavaScriptException();
  return false;
}

bool GetBool(Napi::Env env, Napi::Object obj, const char* key, bool* out) {
  Napi::Value v = obj.Get(key);
  if (!v.IsBoolean())
    return Fail(env, std::string("options.") + key + " must be a boolean");
  *out = v.As<Napi::Boolean>().Value();
  return true;
}

bool GetUint(Napi::Env env, Napi::Object obj, const std::string& path, const char* key,
             uint32_t max, uint32_t* out) {
  Napi::Value v = obj.Get(key);
  const std::string name = path + "." + key;
  if (!v.IsNumber()) return Fail(env, name + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= max) || d != static_cast<double>(static_cast<uint32_t>(d))) {
    return Fail(env, name + " must be an integer from 0 to " + std::to_string(max));
  }
  *out = static_cast<uint32_t>(d);
  return true;
}

// Absent (undefined) leaves *present false; anything but a string is an error.
bool GetOptionalString(Napi::Env env, Napi::Object obj, const std::string& path,
                       const char* key, bool* present, std::string* out) {
  Napi::Value v = obj.Get(key);
  *present = false;
  if (v.IsUndefined()) return true;
  if (!v.IsString()) return Fail(env, path + "." + key + " must be a string");
  *out = v.As<Napi::String>().Utf8Value();
  *present = true;
  return true;
}

bool ParseIPv4(Napi::Env env, const std::string& field, const std::string& text,
               struct in_addr* out) {
  if (inet_pton(AF_INET, text.c_str(), out) != 1)
    return Fail(env, field + " \"" + text + "\" is not an IPv4 address");
  return true;
}

bool ParseMac(Napi::Env env, const std::string& field, const std::string& text,
              uint8_t mac[6]) {
  unsigned int b[6];
  char trailing;
  if (std::sscanf(text.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
                  &b[4], &b[5], &trailing) != 6) {
    return Fail(
        env, field + " \"" + text + "\" is not a MAC address like 52:54:00:12:34:56");
  }
  for (int i = 0; i < 6; i++) mac[i] = static_cast<uint8_t>(b[i]);
  return true;
}

bool ParsePortForwarding(Napi::Env env, Napi::Object options, VmnetOptions* out) {
  Napi::Value list = options.Get("portForwarding");
  if (!list.IsArray()) return Fail(env, "options.portForwarding must be an array");
  Napi::Array rules = list.As<Napi::Array>();
  for (uint32_t i = 0; i < rules.Length(); i++) {
    const std::string path = "options.portForwarding[" + std::to_string(i) + "]";
    Napi::Value item = rules.Get(i);
    if (!item.IsObject()) return Fail(env, path + " must be an object");
    Napi::Object rule = item.As<Napi::Object>();
    VmnetPortForward forward{};
    Napi::Value protocol = rule.Get("protocol");
    const std::string proto =
        protocol.IsString() ? protocol.As<Napi::String>().Utf8Value() : "";
    if (proto == "tcp") {
      forward.protocol = IPPROTO_TCP;
    } else if (proto == "udp") {
      forward.protocol = IPPROTO_UDP;
    } else {
      return Fail(env, path + ".protocol must be \"tcp\" or \"udp\"");
    }
    uint32_t external_port = 0, internal_port = 0;
    if (!GetUint(env, rule, path, "externalPort", 65535, &external_port)) return false;
    if (!GetUint(env, rule, path, "internalPort", 65535, &internal_port)) return false;
    forward.external_port = static_cast<uint16_t>(external_port);
    forward.internal_port = static_cast<uint16_t>(internal_port);
    bool present = false;
    std::string address;
    if (!GetOptionalString(env, rule, path, "internalAddress", &present, &address))
      return false;
    if (!present) return Fail(env, path + ".internalAddress is missing");
    if (!ParseIPv4(env, path + ".internalAddress", address, &forward.internal))
      return false;
    out->port_forwarding.push_back(forward);
  }
  return true;
}

bool ParseReservations(Napi::Env env, Napi::Object options, VmnetOptions* out) {
  Napi::Value list = options.Get("dhcpReservations");
  if (!list.IsArray()) return Fail(env, "options.dhcpReservations must be an array");
  Napi::Array items = list.As<Napi::Array>();
  for (uint32_t i = 0; i < items.Length(); i++) {
    const std::string path = "options.dhcpReservations[" + std::to_string(i) + "]";
    Napi::Value item = items.Get(i);
    if (!item.IsObject()) return Fail(env, path + " must be an object");
    Napi::Object reservation = item.As<Napi::Object>();
    VmnetReservation parsed{};
    bool present = false;
    std::string text;
    if (!GetOptionalString(env, reservation, path, "mac", &present, &text))
      return false;
    if (!present) return Fail(env, path + ".mac is missing");
    if (!ParseMac(env, path + ".mac", text, parsed.mac)) return false;
    if (!GetOptionalString(env, reservation, path, "ip", &present, &text)) return false;
    if (!present) return Fail(env, path + ".ip is missing");
    if (!ParseIPv4(env, path + ".ip", text, &parsed.ip)) return false;
    out->dhcp_reservations.push_back(parsed);
  }
  return true;
}

}  // namespace

bool ParseVmnetOptions(Napi::Env env, Napi::Value value, VmnetOptions* out) {
  if (!value.IsObject()) return Fail(env, "options must be an object");
  Napi::Object options = value.As<Napi::Object>();

  Napi::Value mode = options.Get("mode");
  const std::string mode_text =
      mode.IsString() ? mode.As<Napi::String>().Utf8Value() : "";
  if (mode_text != "shared" && mode_text != "host")
    return Fail(env, "options.mode must be \"shared\" or \"host\"");
  out->shared_mode = mode_text == "shared";

  bool has_gateway = false, has_mask = false;
  std::string gateway, mask;
  if (!GetOptionalString(env, options, "options", "subnetGateway", &has_gateway,
                         &gateway))
    return false;
  if (!GetOptionalString(env, options, "options", "subnetMask", &has_mask, &mask))
    return false;
  if (has_gateway != has_mask)
    return Fail(env, "options.subnetGateway and options.subnetMask go together");
  if (has_gateway) {
    struct in_addr g {
    }, m{};
    if (!ParseIPv4(env, "options.subnetGateway", gateway, &g)) return false;
    if (!ParseIPv4(env, "options.subnetMask", mask, &m)) return false;
    out->subnet_gateway = g;
    out->subnet_mask = m;
  }

  bool has_prefix = false;
  std::string prefix;
  if (!GetOptionalString(env, options, "options", "ipv6Prefix", &has_prefix, &prefix))
    return false;
  if (has_prefix) {
    struct in6_addr p {};
    if (inet_pton(AF_INET6, prefix.c_str(), &p) != 1) {
      return Fail(env, "options.ipv6Prefix \"" + prefix + "\" is not an IPv6 address");
    }
    uint32_t length = 0;
    if (!GetUint(env, options, "options", "ipv6PrefixLength", 128, &length))
      return false;
    out->ipv6_prefix = p;
    out->ipv6_prefix_length = static_cast<uint8_t>(length);
  }

  if (!options.Get("mtu").IsUndefined()) {
    uint32_t mtu = 0;
    if (!GetUint(env, options, "options", "mtu", 65535, &mtu)) return false;
    out->mtu = mtu;
  }
  if (!GetBool(env, options, "nat44", &out->nat44) ||
      !GetBool(env, options, "nat66", &out->nat66) ||
      !GetBool(env, options, "dhcp", &out->dhcp) ||
      !GetBool(env, options, "dnsProxy", &out->dns_proxy) ||
      !GetBool(env, options, "routerAdvertisement", &out->router_advertisement)) {
    return false;
  }
  bool has_interface = false;
  if (!GetOptionalString(env, options, "options", "externalInterface", &has_interface,
                         &out->external_interface)) {
    return false;
  }
  return ParsePortForwarding(env, options, out) && ParseReservations(env, options, out);
}

}  // namespace vmnet_broker_darwin
