// SPDX-License-Identifier: Apache-2.0
// createVxlan and fdbAppend: the kernel's own overlay for a network that spans
// hosts. A VXLAN device with a static list of unicast peers, each an all-zeros
// FDB entry (what `bridge fdb append 00:00:00:00:00:00 dev vx dst PEER` does).
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cstring>
#include <string>

#include "errors.h"
#include "linux/linux.h"
#include "linux/netlink_request.h"
#include "linux/option_readers.h"

namespace vmnet_broker {

static constexpr const char* kCreateVxlanUsage =
    "createVxlan({name: string, vni: number, port: number, underlay: string, "
    "local: string, mtu: number})";
static constexpr const char* kFdbAppendUsage = "fdbAppend(ifname: string, dst: string)";

// An IPv4 or IPv6 address: its family and 4 or 16 bytes, or 0 when malformed.
static int ParseAddress(const std::string& text, unsigned char bytes[16]) {
  if (inet_pton(AF_INET, text.c_str(), bytes) == 1) return AF_INET;
  if (inet_pton(AF_INET6, text.c_str(), bytes) == 1) return AF_INET6;
  return 0;
}

Napi::Value CreateVxlan(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) {
    ThrowUsage(env, kCreateVxlanUsage, "an options object is required");
    return env.Undefined();
  }
  Napi::Object options = info[0].As<Napi::Object>();
  std::string name, underlay, local;
  uint32_t vni = 0, port = 0, mtu = 0;
  const char* usage = kCreateVxlanUsage;
  if (!ReadTextOption(options, "name", true, usage, &name) ||
      !ReadTextOption(options, "underlay", true, usage, &underlay) ||
      !ReadTextOption(options, "local", false, usage, &local) ||
      !ReadUnsignedOption(options, "vni", 1, 0xffffff, usage, &vni) ||
      !ReadUnsignedOption(options, "port", 1, 65535, usage, &port) ||
      !ReadUnsignedOption(options, "mtu", 68, 65535, usage, &mtu)) {
    return env.Undefined();
  }
  unsigned char local_bytes[16];
  const int family = ParseAddress(local, local_bytes);
  if (family == 0) {
    ThrowUsage(env, kCreateVxlanUsage, "local '" + local + "' is not an IP address");
    return env.Undefined();
  }
  unsigned underlay_index = 0;
  if (!IndexOfInterfaceOrThrow(env, underlay, &underlay_index)) return env.Undefined();

  NetlinkRequest request(RTM_NEWLINK,
                         NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
  BeginNewLink(&request, name, mtu);
  const size_t linkinfo = request.BeginNest(IFLA_LINKINFO);
  request.AttrString(IFLA_INFO_KIND, "vxlan");
  const size_t data = request.BeginNest(IFLA_INFO_DATA);
  request.AttrU32(IFLA_VXLAN_ID, vni);
  // The local address also fixes the socket's family (IPv4 or IPv6 underlay).
  if (family == AF_INET) {
    request.Attr(IFLA_VXLAN_LOCAL, local_bytes, 4);
  } else {
    request.Attr(IFLA_VXLAN_LOCAL6, local_bytes, 16);
  }
  request.AttrU32(IFLA_VXLAN_LINK, underlay_index);
  // Network byte order, as the kernel's nla_get_be16 expects.
  const uint16_t port_be = htons(static_cast<uint16_t>(port));
  request.Attr(IFLA_VXLAN_PORT, &port_be, sizeof(port_be));
  // Learn which peer each remote MAC sits behind: unicast then goes to one host.
  const uint8_t learning = 1;
  request.Attr(IFLA_VXLAN_LEARNING, &learning, sizeof(learning));
  request.EndNest(data);
  request.EndNest(linkinfo);
  std::string step;
  const int err = Transact(request, &step);
  if (err != 0) {
    ThrowSyscall(env,
                 (step.empty() ? "" : step + " ") + "RTM_NEWLINK vxlan " + name +
                     " (vni " + std::to_string(vni) + " over " + underlay + ")",
                 err);
  }
  return env.Undefined();
}

Napi::Value FdbAppend(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) {
    ThrowUsage(env, kFdbAppendUsage, "ifname and dst must be strings");
    return env.Undefined();
  }
  const std::string ifname = info[0].As<Napi::String>().Utf8Value();
  const std::string dst = info[1].As<Napi::String>().Utf8Value();
  unsigned char dst_bytes[16];
  const int family = ParseAddress(dst, dst_bytes);
  if (family == 0) {
    ThrowUsage(env, kFdbAppendUsage, "dst '" + dst + "' is not an IP address");
    return env.Undefined();
  }
  unsigned index = 0;
  if (!IndexOfInterfaceOrThrow(env, ifname, &index)) return env.Undefined();
  // APPEND: the all-zeros MAC may have several destinations, one per peer.
  NetlinkRequest request(RTM_NEWNEIGH,
                         NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_APPEND);
  struct ndmsg header;
  std::memset(&header, 0, sizeof(header));
  header.ndm_family = AF_BRIDGE;
  header.ndm_ifindex = static_cast<int>(index);
  header.ndm_state = NUD_NOARP | NUD_PERMANENT;
  header.ndm_flags = NTF_SELF;
  request.Append(&header, sizeof(header));
  const unsigned char zeros[6] = {0, 0, 0, 0, 0, 0};
  request.Attr(NDA_LLADDR, zeros, sizeof(zeros));
  request.Attr(NDA_DST, dst_bytes, family == AF_INET ? 4 : 16);
  std::string step;
  const int err = Transact(request, &step);
  if (err != 0) {
    ThrowSyscall(env,
                 (step.empty() ? "" : step + " ") + "RTM_NEWNEIGH " + ifname +
                     " 00:00:00:00:00:00 dst " + dst,
                 err);
  }
  return env.Undefined();
}

}  // namespace vmnet_broker
