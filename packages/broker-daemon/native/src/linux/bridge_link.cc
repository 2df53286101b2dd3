// SPDX-License-Identifier: Apache-2.0
// createBridge and addAddress: the network's bridge (STP off, no forward delay)
// and its gateway addresses over rtnetlink, replacing an `ip -batch` child process.
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "errors.h"
#include "linux/linux.h"
#include "linux/netlink_request.h"

namespace vmnet_broker {

static constexpr const char* kCreateBridgeUsage =
    "createBridge(name: string, mtu: number)";
static constexpr const char* kAddAddressUsage =
    "addAddress(ifname: string, address: string, prefix: number, broadcast: string)";

static bool ReadIfname(const Napi::CallbackInfo& info, const char* usage,
                       std::string* out) {
  if (info.Length() < 1 || !info[0].IsString()) {
    ThrowUsage(info.Env(), usage, "argument 1 must be an interface name");
    return false;
  }
  *out = info[0].As<Napi::String>().Utf8Value();
  if (out->empty() || out->size() >= IFNAMSIZ) {
    ThrowUsage(info.Env(), usage,
               "interface name '" + *out + "' must have 1 to " +
                   std::to_string(IFNAMSIZ - 1) + " bytes");
    return false;
  }
  return true;
}

static bool ReadInteger(const Napi::CallbackInfo& info, size_t index, const char* usage,
                        const char* what, int min, int max, int* out) {
  const double number = info.Length() > index && info[index].IsNumber()
                            ? info[index].As<Napi::Number>().DoubleValue()
                            : -1.0;
  if (number < min || number > max ||
      number != static_cast<double>(static_cast<int>(number))) {
    ThrowUsage(info.Env(), usage,
               std::string(what) + " must be an integer in [" + std::to_string(min) +
                   ", " + std::to_string(max) + "]");
    return false;
  }
  *out = static_cast<int>(number);
  return true;
}

static void ThrowNetlink(Napi::Env env, const std::string& step,
                         const std::string& what, int err) {
  ThrowSyscall(env, (step.empty() ? "" : step + " ") + what, err);
}

Napi::Value CreateBridge(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name;
  int mtu = 0;
  if (!ReadIfname(info, kCreateBridgeUsage, &name) ||
      !ReadInteger(info, 1, kCreateBridgeUsage, "mtu", 68, 65535, &mtu)) {
    return env.Undefined();
  }
  NetlinkRequest request(RTM_NEWLINK,
                         NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
  BeginNewLink(&request, name, static_cast<uint32_t>(mtu));
  const size_t linkinfo = request.BeginNest(IFLA_LINKINFO);
  request.AttrString(IFLA_INFO_KIND, "bridge");
  const size_t data = request.BeginNest(IFLA_INFO_DATA);
  // Ports forward at once: no spanning tree, no listening/learning delay.
  request.AttrU32(IFLA_BR_STP_STATE, 0);
  request.AttrU32(IFLA_BR_FORWARD_DELAY, 0);
  request.EndNest(data);
  request.EndNest(linkinfo);
  std::string step;
  const int err = Transact(request, &step);
  if (err != 0) ThrowNetlink(env, step, "RTM_NEWLINK bridge " + name, err);
  return env.Undefined();
}

Napi::Value AddAddress(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string ifname;
  if (!ReadIfname(info, kAddAddressUsage, &ifname)) return env.Undefined();
  if (info.Length() < 4 || !info[1].IsString() || !info[3].IsString()) {
    ThrowUsage(env, kAddAddressUsage, "address and broadcast must be strings");
    return env.Undefined();
  }
  const std::string address = info[1].As<Napi::String>().Utf8Value();
  const std::string broadcast = info[3].As<Napi::String>().Utf8Value();
  unsigned char bytes[16], broadcast_bytes[4];
  const bool v4 = inet_pton(AF_INET, address.c_str(), bytes) == 1;
  if (!v4 && inet_pton(AF_INET6, address.c_str(), bytes) != 1) {
    ThrowUsage(env, kAddAddressUsage,
               "'" + address + "' is not an IPv4 or IPv6 address");
    return env.Undefined();
  }
  int prefix = 0;
  if (!ReadInteger(info, 2, kAddAddressUsage, "prefix", 0, v4 ? 32 : 128, &prefix)) {
    return env.Undefined();
  }
  if (v4 && !broadcast.empty() &&
      inet_pton(AF_INET, broadcast.c_str(), broadcast_bytes) != 1) {
    ThrowUsage(env, kAddAddressUsage,
               "broadcast '" + broadcast + "' is not an IPv4 address");
    return env.Undefined();
  }
  unsigned index = 0;
  if (!IndexOfInterfaceOrThrow(env, ifname, &index)) return env.Undefined();

  NetlinkRequest request(RTM_NEWADDR,
                         NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
  struct ifaddrmsg header;
  std::memset(&header, 0, sizeof(header));
  header.ifa_family = v4 ? AF_INET : AF_INET6;
  header.ifa_prefixlen = static_cast<unsigned char>(prefix);
  header.ifa_scope = RT_SCOPE_UNIVERSE;
  header.ifa_index = index;
  // The gateway is ours alone: skip IPv6 duplicate address detection (`nodad`).
  if (!v4) header.ifa_flags = IFA_F_NODAD;
  request.Append(&header, sizeof(header));
  const size_t size = v4 ? 4 : 16;
  request.Attr(IFA_LOCAL, bytes, size);
  request.Attr(IFA_ADDRESS, bytes, size);
  if (v4 && !broadcast.empty()) request.Attr(IFA_BROADCAST, broadcast_bytes, 4);
  std::string step;
  const int err = Transact(request, &step);
  if (err != 0) {
    ThrowNetlink(
        env, step,
        "RTM_NEWADDR " + address + "/" + std::to_string(prefix) + " on " + ifname, err);
  }
  return env.Undefined();
}

}  // namespace vmnet_broker
