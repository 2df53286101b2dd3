// SPDX-License-Identifier: Apache-2.0
// closeFd: lets JS close descriptors it received from the addon or a peer.
#include <unistd.h>

#include <cerrno>

#include "common/common.h"
#include "errors.h"

namespace vmnet_broker {

bool ReadFd(const Napi::CallbackInfo& info, size_t index, const char* usage, int* fd) {
  if (info.Length() <= index || !info[index].IsNumber()) {
    ThrowUsage(
        info.Env(), usage,
        "argument " + std::to_string(index + 1) + " must be a file descriptor number");
    return false;
  }
  const double value = info[index].As<Napi::Number>().DoubleValue();
  if (value < 0 || value > 2147483647.0 || value != static_cast<int>(value)) {
    ThrowUsage(info.Env(), usage, "not a valid file descriptor");
    return false;
  }
  *fd = static_cast<int>(value);
  return true;
}

Napi::Value CloseFd(const Napi::CallbackInfo& info) {
  int fd = -1;
  if (!ReadFd(info, 0, "closeFd(fd: number)", &fd)) return info.Env().Undefined();
  // Linux and macOS release the descriptor even when close reports EINTR, so a
  // retry could close someone else's new descriptor: never retry.
  if (close(fd) != 0 && errno != EINTR) {
    ThrowSyscall(info.Env(), "close", errno);
  }
  return info.Env().Undefined();
}

}  // namespace vmnet_broker
