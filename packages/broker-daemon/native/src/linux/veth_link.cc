// SPDX-License-Identifier: Apache-2.0
// createVeth: one RTM_NEWLINK that makes a veth pair whose far end is created
// directly inside another network namespace (by fd), already named, addressed and
// sized. Replaces `ip link add ... netns`, a child process of the broker.
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "errors.h"
#include "linux/linux.h"
#include "linux/netlink_request.h"
#include "linux/option_readers.h"

namespace vmnet_broker {

static constexpr const char* kCreateVethUsage =
    "createVeth({name: string, mtu: number, peerName: string, peerMac: string, "
    "peerNetnsFd: number})";

Napi::Value CreateVeth(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) {
    ThrowUsage(env, kCreateVethUsage, "an options object is required");
    return env.Undefined();
  }
  Napi::Object options = info[0].As<Napi::Object>();
  std::string name, peer_name, peer_mac_text;
  uint32_t mtu = 0, netns_fd = 0;
  const char* usage = kCreateVethUsage;
  if (!ReadTextOption(options, "name", true, usage, &name) ||
      !ReadTextOption(options, "peerName", true, usage, &peer_name) ||
      !ReadTextOption(options, "peerMac", false, usage, &peer_mac_text) ||
      !ReadUnsignedOption(options, "mtu", 68, 65535, usage, &mtu) ||
      !ReadUnsignedOption(options, "peerNetnsFd", 0, 2147483647, usage, &netns_fd)) {
    return env.Undefined();
  }
  unsigned char mac[6];
  char extra = 0;
  if (std::sscanf(peer_mac_text.c_str(), "%2hhx:%2hhx:%2hhx:%2hhx:%2hhx:%2hhx%c",
                  &mac[0], &mac[1], &mac[2], &mac[3], &mac[4], &mac[5], &extra) != 6) {
    ThrowUsage(env, kCreateVethUsage,
               "peerMac '" + peer_mac_text + "' is not aa:bb:cc:dd:ee:ff");
    return env.Undefined();
  }

  NetlinkRequest request(RTM_NEWLINK,
                         NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
  BeginNewLink(&request, name, mtu);
  const size_t linkinfo = request.BeginNest(IFLA_LINKINFO);
  request.AttrString(IFLA_INFO_KIND, "veth");
  const size_t data = request.BeginNest(IFLA_INFO_DATA);
  const size_t peer = request.BeginNest(VETH_INFO_PEER);
  // The peer's attributes follow its own ifinfomsg (all zero: AF_UNSPEC).
  request.Append(nullptr, sizeof(struct ifinfomsg));
  request.AttrString(IFLA_IFNAME, peer_name);
  request.Attr(IFLA_ADDRESS, mac, sizeof(mac));
  request.AttrU32(IFLA_MTU, mtu);
  request.AttrU32(IFLA_NET_NS_FD, netns_fd);
  request.EndNest(peer);
  request.EndNest(data);
  request.EndNest(linkinfo);

  std::string step;
  const int err = Transact(request, &step);
  if (err != 0) {
    ThrowSyscall(env,
                 (step.empty() ? "" : step + " ") + "RTM_NEWLINK veth " + name +
                     " (peer " + peer_name + " into netns fd " +
                     std::to_string(netns_fd) + ")",
                 err);
  }
  return env.Undefined();
}

}  // namespace vmnet_broker
