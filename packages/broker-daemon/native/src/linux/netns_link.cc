// SPDX-License-Identifier: Apache-2.0
// setUpInNetns: brings an interface up inside another network namespace without a
// child process (`nsenter ... ip link set up` costs the broker a fork of Node).
// A short-lived helper thread enters the namespace, so no thread of the broker ever
// leaves the namespace it manages, even when a step fails.
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <thread>

#include "common/common.h"
#include "errors.h"
#include "linux/linux.h"

namespace vmnet_broker {

// What the helper thread did: the failing step ("" on success) and its errno.
struct ThreadOutcome {
  std::string failed;
  int err = 0;
};

static ThreadOutcome SetUpInside(int netns_fd, const struct ifreq& request) {
  ThreadOutcome outcome;
  if (setns(netns_fd, CLONE_NEWNET) != 0) {
    outcome = {"setns(CLONE_NEWNET)", errno};
    return outcome;
  }
  const int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) {
    outcome = {"socket(AF_INET, SOCK_DGRAM) in the namespace", errno};
    return outcome;
  }
  struct ifreq ifr = request;
  if (ioctl(sock, SIOCGIFFLAGS, &ifr) != 0) {
    outcome = {std::string("SIOCGIFFLAGS ") + request.ifr_name + " in the namespace",
               errno};
  } else {
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(sock, SIOCSIFFLAGS, &ifr) != 0) {
      outcome = {std::string("SIOCSIFFLAGS ") + request.ifr_name + " in the namespace",
                 errno};
    }
  }
  close(sock);
  return outcome;
}

Napi::Value SetUpInNetns(const Napi::CallbackInfo& info) {
  static constexpr const char* kUsage = "setUpInNetns(netnsFd: number, ifname: string)";
  Napi::Env env = info.Env();
  int netns_fd = -1;
  if (!ReadFd(info, 0, kUsage, &netns_fd)) return env.Undefined();
  if (info.Length() < 2 || !info[1].IsString()) {
    ThrowUsage(env, kUsage, "argument 2 must be an interface name");
    return env.Undefined();
  }
  const std::string name = info[1].As<Napi::String>().Utf8Value();
  if (name.empty() || name.size() >= IFNAMSIZ) {
    ThrowUsage(env, kUsage,
               "interface name '" + name + "' must have 1 to " +
                   std::to_string(IFNAMSIZ - 1) + " bytes");
    return env.Undefined();
  }
  struct ifreq request;
  std::memset(&request, 0, sizeof(request));
  std::memcpy(request.ifr_name, name.c_str(), name.size());

  ThreadOutcome outcome;
  try {
    // The thread's namespace dies with it; joined before returning.
    std::thread helper([&] { outcome = SetUpInside(netns_fd, request); });
    helper.join();
  } catch (const std::system_error& error) {
    ThrowSyscall(env, "pthread_create", error.code().value());
    return env.Undefined();
  }
  if (!outcome.failed.empty()) ThrowSyscall(env, outcome.failed, outcome.err);
  return env.Undefined();
}

}  // namespace vmnet_broker
