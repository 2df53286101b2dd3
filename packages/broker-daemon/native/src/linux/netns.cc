// SPDX-License-Identifier: Apache-2.0
// enterNewNetns: puts the calling thread into a brand-new, empty network
// namespace; enterNetns(fd) puts it back into the namespace behind fd. Tests use it so
// that every bridge, table and dnsmasq they make lives in a namespace that vanishes
// with them. Processes spawned afterwards from the same thread inherit it.
#include <sched.h>
#include <sys/stat.h>

#include <cerrno>

#include "common/common.h"
#include "errors.h"
#include "linux/linux.h"

namespace vmnet_broker {

static bool NetnsInode(ino_t* inode) {
  struct stat st;
  if (stat("/proc/thread-self/ns/net", &st) != 0) return false;
  *inode = st.st_ino;
  return true;
}

Napi::Value EnterNewNetns(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ino_t before = 0, after = 0;
  if (!NetnsInode(&before)) {
    ThrowSyscall(env, "stat /proc/thread-self/ns/net", errno);
    return env.Undefined();
  }
  if (unshare(CLONE_NEWNET) != 0) {
    ThrowSyscall(env, "unshare(CLONE_NEWNET)", errno);
    return env.Undefined();
  }
  // Callers rely on this to never touch the namespace they came from.
  if (!NetnsInode(&after) || after == before) {
    ThrowSyscall(env, "unshare(CLONE_NEWNET) left the namespace unchanged", EIO);
    return env.Undefined();
  }
  return Napi::Number::New(env, static_cast<double>(after));
}

Napi::Value EnterNetns(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = -1;
  if (!ReadFd(info, 0, "enterNetns(fd: number)", &fd)) return env.Undefined();
  if (setns(fd, CLONE_NEWNET) != 0) ThrowSyscall(env, "setns(CLONE_NEWNET)", errno);
  return env.Undefined();
}

}  // namespace vmnet_broker
