// SPDX-License-Identifier: Apache-2.0
// A small rtnetlink request builder and a synchronous request/acknowledge round
// trip, shared by the addon's link and address calls (no `ip` child processes).
#pragma once

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace vmnet_broker {

// A netlink request built attribute by attribute in a fixed buffer (a veth request
// needs about 150 bytes); nests are closed by offset.
class NetlinkRequest {
 public:
  NetlinkRequest(uint16_t type, uint16_t flags);
  // Appends `size` bytes (zeros when data is null), padded to 4.
  void Append(const void* data, size_t size);
  void Attr(uint16_t type, const void* data, size_t size);
  void AttrString(uint16_t type, const std::string& text) {
    Attr(type, text.c_str(), text.size() + 1);
  }
  void AttrU32(uint16_t type, uint32_t value) { Attr(type, &value, sizeof(value)); }
  // Opens a nested attribute; EndNest(offset) sets its length.
  size_t BeginNest(uint16_t type);
  void EndNest(size_t at);
  const char* data() const { return bytes_; }
  size_t size() const { return size_; }

 private:
  struct nlmsghdr* Header() {
    return reinterpret_cast<struct nlmsghdr*>(bytes_);
  }
  alignas(struct nlmsghdr) char bytes_[512] = {};
  size_t size_ = 0;
};

// An RTM_NEWLINK request that creates `name` with `mtu` (failing if it exists); the
// caller adds IFLA_LINKINFO with the link's kind.
void BeginNewLink(NetlinkRequest* request, const std::string& name, uint32_t mtu);

// Sends the request (which must ask for NLM_F_ACK) on a fresh NETLINK_ROUTE socket
// of the calling thread's namespace and waits for the answer: 0, or an errno with
// the failing step in *step ("socket(AF_NETLINK, NETLINK_ROUTE)", "sendto", "recv",
// or "" when the kernel refused the request itself).
int Transact(const NetlinkRequest& request, std::string* step);

}  // namespace vmnet_broker
