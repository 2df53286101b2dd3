// SPDX-License-Identifier: Apache-2.0
#include "linux/netlink_request.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace vmnet_broker {

NetlinkRequest::NetlinkRequest(uint16_t type, uint16_t flags) {
  size_ = NLMSG_HDRLEN;
  Header()->nlmsg_type = type;
  Header()->nlmsg_flags = flags;
  Header()->nlmsg_seq = 1;
  Header()->nlmsg_len = static_cast<uint32_t>(size_);
}

void NetlinkRequest::Append(const void* data, size_t size) {
  const size_t padded = NLMSG_ALIGN(size);
  // Requests are fixed shapes with names of at most 15 bytes: never near the limit.
  if (size_ + padded > sizeof(bytes_)) std::abort();
  if (data != nullptr) std::memcpy(bytes_ + size_, data, size);
  size_ += padded;
  Header()->nlmsg_len = static_cast<uint32_t>(size_);
}

void NetlinkRequest::Attr(uint16_t type, const void* data, size_t size) {
  struct rtattr attr;
  attr.rta_type = type;
  attr.rta_len = static_cast<unsigned short>(RTA_LENGTH(size));
  Append(&attr, sizeof(attr));
  Append(data, size);
}

size_t NetlinkRequest::BeginNest(uint16_t type) {
  const size_t at = size_;
  Attr(type, nullptr, 0);
  return at;
}

void NetlinkRequest::EndNest(size_t at) {
  auto* attr = reinterpret_cast<struct rtattr*>(bytes_ + at);
  attr->rta_len = static_cast<unsigned short>(size_ - at);
}

void BeginNewLink(NetlinkRequest* request, const std::string& name, uint32_t mtu) {
  struct ifinfomsg link;
  std::memset(&link, 0, sizeof(link));
  link.ifi_family = AF_UNSPEC;
  request->Append(&link, sizeof(link));
  request->AttrString(IFLA_IFNAME, name);
  request->AttrU32(IFLA_MTU, mtu);
}

int Transact(const NetlinkRequest& request, std::string* step) {
  const int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) {
    *step = "socket(AF_NETLINK, NETLINK_ROUTE)";
    return errno;
  }
  struct sockaddr_nl kernel;
  std::memset(&kernel, 0, sizeof(kernel));
  kernel.nl_family = AF_NETLINK;
  if (sendto(fd, request.data(), request.size(), 0,
             reinterpret_cast<struct sockaddr*>(&kernel), sizeof(kernel)) < 0) {
    const int err = errno;
    close(fd);
    *step = "sendto";
    return err;
  }
  char buffer[8192];
  for (;;) {
    const ssize_t got = recv(fd, buffer, sizeof(buffer), 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      close(fd);
      *step = "recv";
      return err;
    }
    int left = static_cast<int>(got);
    for (auto* message = reinterpret_cast<struct nlmsghdr*>(buffer);
         NLMSG_OK(message, left); message = NLMSG_NEXT(message, left)) {
      if (message->nlmsg_type != NLMSG_ERROR) continue;
      const auto* answer = static_cast<const struct nlmsgerr*>(NLMSG_DATA(message));
      close(fd);
      *step = "";
      return -answer->error;
    }
  }
}

}  // namespace vmnet_broker
