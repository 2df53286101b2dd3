// SPDX-License-Identifier: Apache-2.0
// Interface ioctls for the hot path (attaching a TAP) so that it needs no child
// process: bridge port, link up, MTU, hardware address, existence.
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "common/common.h"
#include "common/owned_fd.h"
#include "errors.h"
#include "linux/linux.h"

namespace vmnet_broker {

static bool ReadName(const Napi::CallbackInfo& info, size_t index, const char* usage,
                     struct ifreq* ifr) {
  if (info.Length() <= index || !info[index].IsString()) {
    ThrowUsage(info.Env(), usage,
               "argument " + std::to_string(index + 1) + " must be an interface name");
    return false;
  }
  const std::string name = info[index].As<Napi::String>().Utf8Value();
  if (name.empty() || name.size() >= IFNAMSIZ) {
    ThrowUsage(info.Env(), usage,
               "interface name '" + name + "' must have 1 to " +
                   std::to_string(IFNAMSIZ - 1) + " bytes");
    return false;
  }
  std::memset(ifr, 0, sizeof(*ifr));
  std::memcpy(ifr->ifr_name, name.c_str(), name.size());
  return true;
}

// Runs one ioctl; on failure throws "<NAME> <ifname> failed: E...".
static bool Ioctl(Napi::Env env, unsigned long request, const char* request_name,
                  struct ifreq* ifr) {
  // A socket for interface ioctls, in the calling thread's network namespace.
  const OwnedFd sock(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (sock.fd() < 0) {
    ThrowSyscall(env, "socket(AF_INET, SOCK_DGRAM)", errno);
    return false;
  }
  if (ioctl(sock.fd(), request, ifr) != 0) {
    ThrowSyscall(env, std::string(request_name) + " " + ifr->ifr_name, errno);
    return false;
  }
  return true;
}

Napi::Value AddToBridge(const Napi::CallbackInfo& info) {
  static constexpr const char* kUsage = "addToBridge(bridge: string, ifname: string)";
  Napi::Env env = info.Env();
  struct ifreq bridge, port;
  if (!ReadName(info, 0, kUsage, &bridge) || !ReadName(info, 1, kUsage, &port)) {
    return env.Undefined();
  }
  unsigned index = 0;
  if (!IndexOfInterfaceOrThrow(env, port.ifr_name, &index)) return env.Undefined();
  bridge.ifr_ifindex = static_cast<int>(index);
  Ioctl(env, SIOCBRADDIF, "SIOCBRADDIF", &bridge);
  return env.Undefined();
}

Napi::Value SetUp(const Napi::CallbackInfo& info) {
  static constexpr const char* kUsage = "setUp(ifname: string)";
  Napi::Env env = info.Env();
  struct ifreq ifr;
  if (!ReadName(info, 0, kUsage, &ifr)) return env.Undefined();
  if (!Ioctl(env, SIOCGIFFLAGS, "SIOCGIFFLAGS", &ifr)) return env.Undefined();
  ifr.ifr_flags |= IFF_UP;
  Ioctl(env, SIOCSIFFLAGS, "SIOCSIFFLAGS", &ifr);
  return env.Undefined();
}

Napi::Value SetMtu(const Napi::CallbackInfo& info) {
  static constexpr const char* kUsage = "setMtu(ifname: string, mtu: number)";
  Napi::Env env = info.Env();
  struct ifreq ifr;
  if (!ReadName(info, 0, kUsage, &ifr)) return env.Undefined();
  if (info.Length() < 2 || !info[1].IsNumber()) {
    ThrowUsage(env, kUsage, "mtu must be a number");
    return env.Undefined();
  }
  const double mtu = info[1].As<Napi::Number>().DoubleValue();
  if (mtu < 68 || mtu > 65535 || mtu != static_cast<int>(mtu)) {
    ThrowUsage(env, kUsage, "mtu must be an integer in [68, 65535]");
    return env.Undefined();
  }
  ifr.ifr_mtu = static_cast<int>(mtu);
  Ioctl(env, SIOCSIFMTU, "SIOCSIFMTU", &ifr);
  return env.Undefined();
}

Napi::Value MtuOf(const Napi::CallbackInfo& info) {
  static constexpr const char* kUsage = "mtuOf(ifname: string)";
  Napi::Env env = info.Env();
  struct ifreq ifr;
  if (!ReadName(info, 0, kUsage, &ifr)) return env.Undefined();
  if (!Ioctl(env, SIOCGIFMTU, "SIOCGIFMTU", &ifr)) return env.Undefined();
  return Napi::Number::New(env, ifr.ifr_mtu);
}

Napi::Value MacAddress(const Napi::CallbackInfo& info) {
  static constexpr const char* kUsage = "macAddress(ifname: string)";
  Napi::Env env = info.Env();
  struct ifreq ifr;
  if (!ReadName(info, 0, kUsage, &ifr)) return env.Undefined();
  if (!Ioctl(env, SIOCGIFHWADDR, "SIOCGIFHWADDR", &ifr)) return env.Undefined();
  const auto* bytes = reinterpret_cast<const unsigned char*>(ifr.ifr_hwaddr.sa_data);
  char text[18];
  std::snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x", bytes[0], bytes[1],
                bytes[2], bytes[3], bytes[4], bytes[5]);
  return Napi::String::New(env, text);
}

Napi::Value InterfaceIndex(const Napi::CallbackInfo& info) {
  static constexpr const char* kUsage = "interfaceIndex(ifname: string)";
  Napi::Env env = info.Env();
  struct ifreq ifr;
  if (!ReadName(info, 0, kUsage, &ifr)) return env.Undefined();
  // An ioctl asks the calling thread's namespace; /sys/class/net would show the
  // namespace that mounted sysfs, which is wrong inside `unshare --net`.
  unsigned index = 0;
  const char* failed = nullptr;
  const int err = IndexOfInterface(ifr.ifr_name, &index, &failed);
  if (err != 0 && err != ENODEV && err != ENXIO) {
    ThrowSyscall(env, std::string(failed) + " " + ifr.ifr_name, err);
    return env.Undefined();
  }
  return Napi::Number::New(env, index);
}

int IndexOfInterface(const std::string& ifname, unsigned* index, const char** failed) {
  struct ifreq ifr;
  std::memset(&ifr, 0, sizeof(ifr));
  if (ifname.empty() || ifname.size() >= IFNAMSIZ) {
    *failed = "SIOCGIFINDEX";
    return ENODEV;
  }
  std::memcpy(ifr.ifr_name, ifname.c_str(), ifname.size());
  // A socket for interface ioctls, in the calling thread's network namespace.
  const OwnedFd sock(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (sock.fd() < 0) {
    *failed = "socket(AF_INET, SOCK_DGRAM)";
    return errno;
  }
  if (ioctl(sock.fd(), SIOCGIFINDEX, &ifr) != 0) {
    *failed = "SIOCGIFINDEX";
    return errno;
  }
  *index = static_cast<unsigned>(ifr.ifr_ifindex);
  return 0;
}

bool IndexOfInterfaceOrThrow(Napi::Env env, const std::string& ifname,
                             unsigned* index) {
  const char* failed = nullptr;
  const int err = IndexOfInterface(ifname, index, &failed);
  if (err == 0) return true;
  ThrowSyscall(env, std::string(failed) + " " + ifname, err);
  return false;
}

}  // namespace vmnet_broker
