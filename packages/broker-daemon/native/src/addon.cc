// SPDX-License-Identifier: Apache-2.0
// Entry point of the daemon's addon: common functions plus the current OS's.
#include <napi.h>

#include <cerrno>
#include <cstring>

#include "errors.h"
#include "platform.h"

namespace vmnet_broker {

std::string ErrnoName(int err) {
  switch (err) {
#define VMNET_ERRNO_CASE(e) \
  case e:                   \
    return #e;
    VMNET_ERRNO_CASE(EPERM)
    VMNET_ERRNO_CASE(ENOENT)
    VMNET_ERRNO_CASE(ESRCH)
    VMNET_ERRNO_CASE(EINTR)
    VMNET_ERRNO_CASE(EIO)
    VMNET_ERRNO_CASE(EBADF)
    VMNET_ERRNO_CASE(EAGAIN)
    VMNET_ERRNO_CASE(ENOMEM)
    VMNET_ERRNO_CASE(EACCES)
    VMNET_ERRNO_CASE(EFAULT)
    VMNET_ERRNO_CASE(EBUSY)
    VMNET_ERRNO_CASE(EEXIST)
    VMNET_ERRNO_CASE(ENODEV)
    VMNET_ERRNO_CASE(ENOTDIR)
    VMNET_ERRNO_CASE(EINVAL)
    VMNET_ERRNO_CASE(ENFILE)
    VMNET_ERRNO_CASE(EMFILE)
    VMNET_ERRNO_CASE(ENOTTY)
    VMNET_ERRNO_CASE(ENOSPC)
    VMNET_ERRNO_CASE(ENOSYS)
    VMNET_ERRNO_CASE(EOPNOTSUPP)
    VMNET_ERRNO_CASE(EADDRINUSE)
    VMNET_ERRNO_CASE(ENXIO)
    VMNET_ERRNO_CASE(E2BIG)
    VMNET_ERRNO_CASE(ENOEXEC)
    VMNET_ERRNO_CASE(ELOOP)
#undef VMNET_ERRNO_CASE
    default:
      return "errno " + std::to_string(err);
  }
}

void ThrowSyscall(Napi::Env env, const std::string& what, int err) {
  const std::string name = ErrnoName(err);
  Napi::Error error = Napi::Error::New(
      env, what + " failed: " + name + " (" + std::strerror(err) + ")");
  error.Set("code", Napi::String::New(env, name));
  error.Set("errno", Napi::Number::New(env, err));
  error.Set("syscall", Napi::String::New(env, what));
  error.ThrowAsJavaScriptException();
}

void ThrowUsage(Napi::Env env, const char* usage, const std::string& problem) {
  Napi::TypeError::New(env, std::string(usage) + ": " + problem)
      .ThrowAsJavaScriptException();
}

}  // namespace vmnet_broker

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  vmnet_broker::RegisterCommon(env, exports);
#if defined(__linux__)
  vmnet_broker::RegisterLinux(env, exports);
#endif
#if defined(__APPLE__)
  vmnet_broker::RegisterDarwin(env, exports);
#endif
  return exports;
}

NODE_API_MODULE(vmnet_broker_daemon, Init)
