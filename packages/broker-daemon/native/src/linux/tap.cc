// SPDX-License-Identifier: Apache-2.0
// openTap: creates a TAP device and returns one fd per queue. Unless asked to
// be persistent (a TAP that VMMs open by name), it disappears when the VM
// closes its last fd.
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "errors.h"
#include "linux/linux.h"

namespace vmnet_broker {

static constexpr const char* kOpenTapUsage =
    "openTap({name: string, vnetHeader: boolean, queues: number, ownerUid: "
    "number, ownerGid: number, persistent: boolean})";
static constexpr int kMaxQueues = 256;

static void CloseAll(const std::vector<int>& fds) {
  for (int fd : fds) close(fd);
}

static bool ReadInt(Napi::Object options, const char* key, int min, int max, int* out) {
  Napi::Value value = options.Get(key);
  if (!value.IsNumber()) {
    ThrowUsage(options.Env(), kOpenTapUsage, std::string(key) + " must be a number");
    return false;
  }
  const double number = value.As<Napi::Number>().DoubleValue();
  if (number < min || number > max ||
      number != static_cast<double>(static_cast<long long>(number))) {
    ThrowUsage(options.Env(), kOpenTapUsage,
               std::string(key) + " is out of range [" + std::to_string(min) + ", " +
                   std::to_string(max) + "]");
    return false;
  }
  *out = static_cast<int>(number);
  return true;
}

Napi::Value OpenTap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) {
    ThrowUsage(env, kOpenTapUsage, "an options object is required");
    return env.Undefined();
  }
  Napi::Object options = info[0].As<Napi::Object>();
  Napi::Value name_js = options.Get("name");
  if (!name_js.IsString()) {
    ThrowUsage(env, kOpenTapUsage, "name must be a string");
    return env.Undefined();
  }
  const std::string name = name_js.As<Napi::String>().Utf8Value();
  if (name.empty() || name.size() >= IFNAMSIZ) {
    ThrowUsage(env, kOpenTapUsage,
               "name must have 1 to " + std::to_string(IFNAMSIZ - 1) + " bytes");
    return env.Undefined();
  }
  Napi::Value vnet_js = options.Get("vnetHeader");
  if (!vnet_js.IsBoolean()) {
    ThrowUsage(env, kOpenTapUsage, "vnetHeader must be a boolean");
    return env.Undefined();
  }
  Napi::Value persistent_js = options.Get("persistent");
  if (!persistent_js.IsBoolean()) {
    ThrowUsage(env, kOpenTapUsage, "persistent must be a boolean");
    return env.Undefined();
  }
  const bool persistent = persistent_js.As<Napi::Boolean>().Value();
  int queues = 0, owner_uid = 0, owner_gid = 0;
  if (!ReadInt(options, "queues", 1, kMaxQueues, &queues) ||
      !ReadInt(options, "ownerUid", 0, 2147483647, &owner_uid) ||
      !ReadInt(options, "ownerGid", 0, 2147483647, &owner_gid)) {
    return env.Undefined();
  }

  struct ifreq ifr;
  std::memset(&ifr, 0, sizeof(ifr));
  std::memcpy(ifr.ifr_name, name.c_str(), name.size());
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  if (vnet_js.As<Napi::Boolean>().Value()) ifr.ifr_flags |= IFF_VNET_HDR;
  if (queues > 1) ifr.ifr_flags |= IFF_MULTI_QUEUE;

  std::vector<int> fds;
  for (int queue = 0; queue < queues; queue++) {
    const int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
      const int err = errno;
      CloseAll(fds);
      ThrowSyscall(env, "open /dev/net/tun", err);
      return env.Undefined();
    }
    fds.push_back(fd);
    // Every queue attaches to the same device by name.
    if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
      const int err = errno;
      CloseAll(fds);
      ThrowSyscall(env, "TUNSETIFF", err);
      return env.Undefined();
    }
    if (queue == 0) {
      if (ioctl(fd, TUNSETOWNER, static_cast<unsigned long>(owner_uid)) != 0) {
        const int err = errno;
        CloseAll(fds);
        ThrowSyscall(env, "TUNSETOWNER", err);
        return env.Undefined();
      }
      if (ioctl(fd, TUNSETGROUP, static_cast<unsigned long>(owner_gid)) != 0) {
        const int err = errno;
        CloseAll(fds);
        ThrowSyscall(env, "TUNSETGROUP", err);
        return env.Undefined();
      }
      // Set last, so that a failure above still removes the device with the fds.
      if (persistent && ioctl(fd, TUNSETPERSIST, 1UL) != 0) {
        const int err = errno;
        CloseAll(fds);
        ThrowSyscall(env, "TUNSETPERSIST", err);
        return env.Undefined();
      }
    }
  }

  Napi::Object result = Napi::Object::New(env);
  // The kernel may complete a name template such as "tap%d".
  result.Set("name", Napi::String::New(env, ifr.ifr_name));
  Napi::Array fds_js = Napi::Array::New(env, fds.size());
  for (size_t i = 0; i < fds.size(); i++) {
    fds_js.Set(static_cast<uint32_t>(i), Napi::Number::New(env, fds[i]));
  }
  result.Set("fds", fds_js);
  return result;
}

}  // namespace vmnet_broker
