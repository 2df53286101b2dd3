// SPDX-License-Identifier: Apache-2.0
// ipv4AddressesAndRoutes: the IPv4 addresses and routes (every table; not the
// kernel's local and broadcast routes of its addresses) of the calling thread's
// network namespace, read with two rtnetlink dumps. Picking a free subnet
// then needs no `ip` child process (each one costs the broker a fork of Node).
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/owned_fd.h"
#include "errors.h"
#include "linux/linux.h"

namespace vmnet_broker {

struct Ipv4Address {
  std::string ifname;
  std::string local;
  int prefix;
};

struct Ipv4Route {
  std::string dst;
  int prefix;
  std::string ifname;  // "" when the route names no single device (multipath)
  unsigned table;
};

// The failing step and its errno, for ThrowSyscall.
struct DumpError {
  std::string what;
  int err = 0;
};

static std::string Ipv4Text(const void* bytes) {
  char text[INET_ADDRSTRLEN] = "";
  inet_ntop(AF_INET, bytes, text, sizeof(text));
  return text;
}

// Names by index, learnt from the addresses' IFA_LABEL (a label is the device's
// name, or "name:alias"; ':' is never in a device name). A link dump would cost the
// kernel every link's statistics: 2 ms with 200 bridges, most of a creation's scan.
// Only a route through a device with no IPv4 address asks the kernel by index.
class InterfaceNames {
 public:
  void Learn(unsigned index, const char* label) {
    if (index == 0 || names_.count(index) != 0) return;
    const char* colon = std::strchr(label, ':');
    names_[index] = colon == nullptr ? std::string(label) : std::string(label, colon);
  }
  const std::string& Of(unsigned index) {
    auto known = names_.find(index);
    if (known != names_.end()) return known->second;
    char name[IF_NAMESIZE] = "";
    // "" when the index names no device (multipath routes have no RTA_OIF: 0).
    if (index == 0 || if_indextoname(index, name) == nullptr) name[0] = '\0';
    return names_[index] = name;
  }

 private:
  std::map<unsigned, std::string> names_;
};

// Sends one dump request of `type` for AF_INET (ifaddrmsg and rtmsg both start with
// the family byte) and calls `each` with every `answer_type` message until
// NLMSG_DONE.
static bool Dump(int fd, uint16_t type, uint16_t answer_type, size_t header_size,
                 uint32_t seq, const std::function<void(const struct nlmsghdr*)>& each,
                 const char* name, DumpError* error) {
  struct {
    struct nlmsghdr header;
    unsigned char body[sizeof(struct rtmsg) > sizeof(struct ifaddrmsg)
                           ? sizeof(struct rtmsg)
                           : sizeof(struct ifaddrmsg)];
  } request;
  std::memset(&request, 0, sizeof(request));
  request.header.nlmsg_len = NLMSG_LENGTH(header_size);
  request.header.nlmsg_type = type;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  request.header.nlmsg_seq = seq;
  request.body[0] = AF_INET;
  struct sockaddr_nl kernel;
  std::memset(&kernel, 0, sizeof(kernel));
  kernel.nl_family = AF_NETLINK;
  if (sendto(fd, &request, request.header.nlmsg_len, 0,
             reinterpret_cast<struct sockaddr*>(&kernel), sizeof(kernel)) < 0) {
    *error = {std::string("sendto ") + name, errno};
    return false;
  }
  std::vector<char> buffer(64 * 1024);
  for (;;) {
    const ssize_t got = recv(fd, buffer.data(), buffer.size(), 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      *error = {std::string("recv ") + name, errno};
      return false;
    }
    int left = static_cast<int>(got);
    for (auto* message = reinterpret_cast<struct nlmsghdr*>(buffer.data());
         NLMSG_OK(message, left); message = NLMSG_NEXT(message, left)) {
      if (message->nlmsg_seq != seq) continue;
      if (message->nlmsg_type == NLMSG_DONE) return true;
      if (message->nlmsg_type == NLMSG_ERROR) {
        const auto* answer = static_cast<const struct nlmsgerr*>(NLMSG_DATA(message));
        *error = {name, answer->error == 0 ? EIO : -answer->error};
        return false;
      }
      if (message->nlmsg_type == answer_type) each(message);
    }
  }
}

static void ReadAddress(const struct nlmsghdr* message, InterfaceNames* names,
                        std::vector<Ipv4Address>* out) {
  const auto* header = static_cast<const struct ifaddrmsg*>(NLMSG_DATA(message));
  if (header->ifa_family != AF_INET) return;
  const void* local = nullptr;
  const void* address = nullptr;
  const char* label = nullptr;
  int length = static_cast<int>(IFA_PAYLOAD(message));
  for (auto* attr = IFA_RTA(header); RTA_OK(attr, length);
       attr = RTA_NEXT(attr, length)) {
    if (attr->rta_type == IFA_LABEL && RTA_PAYLOAD(attr) > 0 &&
        static_cast<const char*>(RTA_DATA(attr))[RTA_PAYLOAD(attr) - 1] == '\0') {
      label = static_cast<const char*>(RTA_DATA(attr));
    }
    if (RTA_PAYLOAD(attr) < 4) continue;
    if (attr->rta_type == IFA_LOCAL) local = RTA_DATA(attr);
    if (attr->rta_type == IFA_ADDRESS) address = RTA_DATA(attr);
  }
  // Like `ip`: the local address when the kernel gives one (point-to-point peers
  // put the peer in IFA_ADDRESS).
  const void* shown = local != nullptr ? local : address;
  if (label != nullptr) names->Learn(header->ifa_index, label);
  if (shown == nullptr) return;
  out->push_back(
      {names->Of(header->ifa_index), Ipv4Text(shown), header->ifa_prefixlen});
}

static void ReadRoute(const struct nlmsghdr* message, InterfaceNames* names,
                      std::vector<Ipv4Route>* out) {
  const auto* header = static_cast<const struct rtmsg*>(NLMSG_DATA(message));
  if (header->rtm_family != AF_INET || (header->rtm_flags & RTM_F_CLONED) != 0) return;
  // The kernel's own local and broadcast routes of an address (table local) lie in
  // the address's subnet, which is listed anyway: two of every three routes a
  // bridge brings, skipped. Local routes someone added (AnyIP) stay.
  if (header->rtm_protocol == RTPROT_KERNEL &&
      (header->rtm_type == RTN_LOCAL || header->rtm_type == RTN_BROADCAST)) {
    return;
  }
  unsigned char zero[4] = {0, 0, 0, 0};
  const void* dst = zero;
  unsigned oif = 0;
  unsigned table = header->rtm_table;
  int length = static_cast<int>(RTM_PAYLOAD(message));
  for (auto* attr = RTM_RTA(header); RTA_OK(attr, length);
       attr = RTA_NEXT(attr, length)) {
    if (RTA_PAYLOAD(attr) < 4) continue;
    if (attr->rta_type == RTA_DST) dst = RTA_DATA(attr);
    if (attr->rta_type == RTA_OIF) std::memcpy(&oif, RTA_DATA(attr), 4);
    if (attr->rta_type == RTA_TABLE) std::memcpy(&table, RTA_DATA(attr), 4);
  }
  out->push_back({Ipv4Text(dst), header->rtm_dst_len, names->Of(oif), table});
}

Napi::Value Ipv4AddressesAndRoutes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const OwnedFd sock(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (sock.fd() < 0) {
    ThrowSyscall(env, "socket(AF_NETLINK, NETLINK_ROUTE)", errno);
    return env.Undefined();
  }
  // Addresses first: their labels name the devices the routes point at.
  InterfaceNames names;
  std::vector<Ipv4Address> addresses;
  std::vector<Ipv4Route> routes;
  DumpError error;
  if (!Dump(
          sock.fd(), RTM_GETADDR, RTM_NEWADDR, sizeof(struct ifaddrmsg), 1,
          [&](const struct nlmsghdr* m) { ReadAddress(m, &names, &addresses); },
          "RTM_GETADDR dump", &error) ||
      !Dump(
          sock.fd(), RTM_GETROUTE, RTM_NEWROUTE, sizeof(struct rtmsg), 2,
          [&](const struct nlmsghdr* m) { ReadRoute(m, &names, &routes); },
          "RTM_GETROUTE dump", &error)) {
    ThrowSyscall(env, error.what, error.err);
    return env.Undefined();
  }

  Napi::Array addresses_js = Napi::Array::New(env, addresses.size());
  for (size_t i = 0; i < addresses.size(); i++) {
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("ifname", addresses[i].ifname);
    entry.Set("local", addresses[i].local);
    entry.Set("prefix", addresses[i].prefix);
    addresses_js.Set(static_cast<uint32_t>(i), entry);
  }
  Napi::Array routes_js = Napi::Array::New(env, routes.size());
  for (size_t i = 0; i < routes.size(); i++) {
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("dst", routes[i].dst);
    entry.Set("prefix", routes[i].prefix);
    entry.Set("ifname", routes[i].ifname);
    entry.Set("table", routes[i].table);
    routes_js.Set(static_cast<uint32_t>(i), entry);
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("addresses", addresses_js);
  result.Set("routes", routes_js);
  return result;
}

}  // namespace vmnet_broker
