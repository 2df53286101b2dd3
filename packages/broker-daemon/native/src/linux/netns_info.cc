// SPDX-License-Identifier: Apache-2.0
// netnsInfo: facts about a namespace fd a peer sent, from which the broker decides
// whether a veth may go there. Only a file on nsfs gets the nsfs ioctls: on a
// device a peer passed, the same request number could mean anything.
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>

#include "common/common.h"
#include "errors.h"
#include "linux/linux.h"

namespace vmnet_broker {

Napi::Value NetnsInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = -1;
  if (!ReadFd(info, 0, "netnsInfo(fd: number)", &fd)) return env.Undefined();
  struct statfs fs;
  if (fstatfs(fd, &fs) != 0) {
    ThrowSyscall(env, "fstatfs", errno);
    return env.Undefined();
  }
  if (fs.f_type != NSFS_MAGIC) return env.Null();
  const int type = ioctl(fd, NS_GET_NSTYPE);
  if (type < 0) {
    ThrowSyscall(env, "ioctl NS_GET_NSTYPE", errno);
    return env.Undefined();
  }
  if (type != CLONE_NEWNET) return env.Null();
  struct stat st;
  if (fstat(fd, &st) != 0) {
    ThrowSyscall(env, "fstat", errno);
    return env.Undefined();
  }

  Napi::Object result = Napi::Object::New(env);
  result.Set("dev", Napi::Number::New(env, static_cast<double>(st.st_dev)));
  result.Set("inode", Napi::Number::New(env, static_cast<double>(st.st_ino)));
  // EPERM: the owning user namespace lies outside the broker's own, so its owner
  // has no uid here; the caller treats that as owned by nobody it knows.
  const int userns = ioctl(fd, NS_GET_USERNS);
  if (userns < 0) {
    if (errno != EPERM) {
      ThrowSyscall(env, "ioctl NS_GET_USERNS", errno);
      return env.Undefined();
    }
    result.Set("ownerUid", env.Null());
    return result;
  }
  uid_t owner = 0;
  const int rc = ioctl(userns, NS_GET_OWNER_UID, &owner);
  const int err = errno;
  close(userns);
  if (rc != 0) {
    ThrowSyscall(env, "ioctl NS_GET_OWNER_UID", err);
    return env.Undefined();
  }
  result.Set("ownerUid", Napi::Number::New(env, static_cast<double>(owner)));
  return result;
}

}  // namespace vmnet_broker
