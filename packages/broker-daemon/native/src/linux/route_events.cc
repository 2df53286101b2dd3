// SPDX-License-Identifier: Apache-2.0
// muteRouteEvents: takes a running process's rtnetlink sockets out of the multicast
// groups that announce addresses and routes. dnsmasq joins them whatever its
// options; with one dnsmasq per network, every address or route a new network adds
// woke all of them (200 networks: 600 wake-ups, 7 of a creation's 19 ms). A socket
// without groups is dnsmasq's own fallback when joining is refused ("polling mode").
//
// The sockets are borrowed with pidfd_getfd (same ptrace rights as reading the
// process's memory) and changed with NETLINK_DROP_MEMBERSHIP, which acts on the
// socket the process holds; the borrowed descriptors are closed again.
#include <dirent.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/owned_fd.h"
#include "errors.h"
#include "linux/linux.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

namespace vmnet_broker {

namespace {

// The descriptor numbers the process holds, from /proc/<pid>/fd.
bool OpenDescriptors(int pid, std::vector<int>* numbers, int* err) {
  const std::string path = "/proc/" + std::to_string(pid) + "/fd";
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) {
    *err = errno;
    return false;
  }
  while (const struct dirent* entry = readdir(dir)) {
    char* end = nullptr;
    const long number = std::strtol(entry->d_name, &end, 10);
    if (end != entry->d_name && *end == '\0')
      numbers->push_back(static_cast<int>(number));
  }
  closedir(dir);
  return true;
}

bool IsRtnetlink(int fd) {
  int domain = 0;
  int protocol = -1;
  socklen_t length = sizeof(domain);
  if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &length) != 0 ||
      domain != AF_NETLINK) {
    return false;
  }
  length = sizeof(protocol);
  return getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &length) == 0 &&
         protocol == NETLINK_ROUTE;
}

}  // namespace

Napi::Value MuteRouteEvents(const Napi::CallbackInfo& info) {
  static constexpr const char* kUsage =
      "muteRouteEvents(pid: number, keepIpv6Addresses: boolean)";
  Napi::Env env = info.Env();
  if (info.Length() != 2 || !info[0].IsNumber() || !info[1].IsBoolean()) {
    ThrowUsage(env, kUsage, "expected a pid and a boolean");
    return env.Undefined();
  }
  const int pid = info[0].As<Napi::Number>().Int32Value();
  if (pid <= 0) {
    ThrowUsage(env, kUsage, "pid must be positive");
    return env.Undefined();
  }
  std::vector<unsigned> groups = {RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV4_ROUTE,
                                  RTNLGRP_IPV6_ROUTE};
  // Router advertisements need the bridge's link-local address, which leaves its
  // tentative state (an RTM_NEWADDR) after dnsmasq started.
  if (!info[1].As<Napi::Boolean>().Value()) groups.push_back(RTNLGRP_IPV6_IFADDR);

  const OwnedFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  if (pidfd.fd() < 0) {
    ThrowSyscall(env, "pidfd_open", errno);
    return env.Undefined();
  }
  std::vector<int> numbers;
  int err = 0;
  if (!OpenDescriptors(pid, &numbers, &err)) {
    ThrowSyscall(env, "opendir /proc/<pid>/fd", err);
    return env.Undefined();
  }
  int muted = 0;
  for (const int number : numbers) {
    const OwnedFd borrowed(
        static_cast<int>(syscall(SYS_pidfd_getfd, pidfd.fd(), number, 0)));
    if (borrowed.fd() < 0) {
      if (errno == EBADF) continue;  // closed since the directory was read
      ThrowSyscall(env, "pidfd_getfd", errno);
      return env.Undefined();
    }
    if (!IsRtnetlink(borrowed.fd())) continue;
    for (const unsigned group : groups) {
      // Leaving a group the socket is not in is no error.
      if (setsockopt(borrowed.fd(), SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, &group,
                     sizeof(group)) != 0) {
        ThrowSyscall(env, "setsockopt NETLINK_DROP_MEMBERSHIP", errno);
        return env.Undefined();
      }
    }
    muted++;
  }
  return Napi::Number::New(env, muted);
}

}  // namespace vmnet_broker
