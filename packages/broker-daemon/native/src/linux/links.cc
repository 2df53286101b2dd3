// SPDX-License-Identifier: Apache-2.0
// listLinks and deleteLink: the namespace's links read with one rtnetlink dump and
// deleted with RTM_DELLINK, so adoption and leftover reclaim run no `ip` process.
#include "linux/links.h"

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "errors.h"
#include "linux/linux.h"
#include "linux/netlink_request.h"

namespace vmnet_broker {

static constexpr const char* kDeleteUsage = "deleteLink(ifname: string)";

static void ReadLink(const nlmsghdr* message, std::map<unsigned, Link>* links) {
  const auto* header = static_cast<const ifinfomsg*>(NLMSG_DATA(message));
  Link link;
  int length = static_cast<int>(IFLA_PAYLOAD(message));
  for (auto* attr = IFLA_RTA(header); RTA_OK(attr, length);
       attr = RTA_NEXT(attr, length)) {
    const char* data = static_cast<const char*>(RTA_DATA(attr));
    const size_t size = RTA_PAYLOAD(attr);
    if (attr->rta_type == IFLA_IFNAME) link.name.assign(data, strnlen(data, size));
    if (attr->rta_type == IFLA_MASTER && size >= 4) std::memcpy(&link.master, data, 4);
    if (attr->rta_type != IFLA_LINKINFO) continue;
    int inner = static_cast<int>(size);
    for (auto* info = reinterpret_cast<rtattr*>(RTA_DATA(attr)); RTA_OK(info, inner);
         info = RTA_NEXT(info, inner)) {
      const char* kind = static_cast<const char*>(RTA_DATA(info));
      if (info->rta_type == IFLA_INFO_KIND)
        link.kind.assign(kind, strnlen(kind, RTA_PAYLOAD(info)));
    }
  }
  (*links)[static_cast<unsigned>(header->ifi_index)] = link;
}

int DumpLinks(std::map<unsigned, Link>* links, std::string* step) {
  const int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) {
    *step = "socket(AF_NETLINK, NETLINK_ROUTE)";
    return errno;
  }
  const timeval limit = {5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
  struct {
    nlmsghdr header;
    ifinfomsg body;
  } request;
  std::memset(&request, 0, sizeof(request));
  request.header.nlmsg_len = NLMSG_LENGTH(sizeof(ifinfomsg));
  request.header.nlmsg_type = RTM_GETLINK;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  request.header.nlmsg_seq = 1;
  request.body.ifi_family = AF_UNSPEC;
  sockaddr_nl kernel;
  std::memset(&kernel, 0, sizeof(kernel));
  kernel.nl_family = AF_NETLINK;
  int err = 0;
  if (sendto(fd, &request, request.header.nlmsg_len, 0,
             reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel)) < 0) {
    err = errno;
    *step = "sendto RTM_GETLINK dump";
  }
  std::vector<char> buffer(64 * 1024);
  for (bool done = err != 0; !done;) {
    const ssize_t got = recv(fd, buffer.data(), buffer.size(), 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      err = errno;
      *step = "recv RTM_GETLINK dump";
      break;
    }
    int left = static_cast<int>(got);
    for (auto* message = reinterpret_cast<nlmsghdr*>(buffer.data());
         NLMSG_OK(message, left); message = NLMSG_NEXT(message, left)) {
      if (message->nlmsg_type == NLMSG_DONE) {
        done = true;
      } else if (message->nlmsg_type == NLMSG_ERROR) {
        const auto* answer = static_cast<const nlmsgerr*>(NLMSG_DATA(message));
        err = answer->error == 0 ? EIO : -answer->error;
        *step = "RTM_GETLINK dump";
        done = true;
      } else if (message->nlmsg_type == RTM_NEWLINK) {
        ReadLink(message, links);
      }
    }
  }
  close(fd);
  return err;
}

Napi::Value ListLinks(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::map<unsigned, Link> links;
  std::string step;
  const int err = DumpLinks(&links, &step);
  if (err != 0) {
    ThrowSyscall(env, step, err);
    return env.Undefined();
  }
  Napi::Array result = Napi::Array::New(env, links.size());
  uint32_t i = 0;
  for (const auto& [index, link] : links) {
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("name", link.name);
    entry.Set("index", index);
    entry.Set("kind", link.kind);
    const auto master = links.find(link.master);
    entry.Set("master", master == links.end() ? "" : master->second.name);
    result.Set(i++, entry);
  }
  return result;
}

Napi::Value DeleteLink(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string name = info.Length() > 0 && info[0].IsString()
                               ? info[0].As<Napi::String>().Utf8Value()
                               : "";
  if (name.empty() || name.size() >= IFNAMSIZ) {
    ThrowUsage(env, kDeleteUsage, "an interface name of 1 to 15 bytes");
    return env.Undefined();
  }
  NetlinkRequest request(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK);
  ifinfomsg link;
  std::memset(&link, 0, sizeof(link));
  link.ifi_family = AF_UNSPEC;
  request.Append(&link, sizeof(link));
  request.AttrString(IFLA_IFNAME, name);
  std::string step;
  const int err = Transact(request, &step);
  if (err != 0)
    ThrowSyscall(env, (step.empty() ? "" : step + " ") + "RTM_DELLINK " + name, err);
  return env.Undefined();
}

}  // namespace vmnet_broker
