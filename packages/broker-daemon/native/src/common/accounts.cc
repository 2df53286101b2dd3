// SPDX-License-Identifier: Apache-2.0
// User and group look-ups through the C library, so every account source the
// system is configured with answers: Open Directory on macOS, NSS (files, LDAP,
// sssd) on Linux. Reading /etc/passwd and /etc/group would miss those.
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

#include "common/common.h"
#include "errors.h"

namespace vmnet_broker {
namespace {

// POSIX lets the *_r functions report "no such entry" with these as well as 0.
bool NotFound(int err) {
  return err == 0 || err == ENOENT || err == ESRCH || err == EBADF || err == EPERM;
}

// Calls lookup(buffer, size) with a buffer grown on ERANGE. Returns its error.
template <typename Lookup>
int WithBuffer(Lookup lookup) {
  std::vector<char> buffer(1024);
  for (;;) {
    int err = lookup(buffer.data(), buffer.size());
    if (err != ERANGE || buffer.size() >= (1u << 20)) return err;
    buffer.resize(buffer.size() * 4);
  }
}

bool ReadName(const Napi::CallbackInfo& info, const char* usage, std::string* name) {
  if (info.Length() < 1 || !info[0].IsString()) {
    ThrowUsage(info.Env(), usage, "argument 1 must be a name");
    return false;
  }
  *name = info[0].As<Napi::String>().Utf8Value();
  return true;
}

bool ReadId(const Napi::CallbackInfo& info, size_t index, const char* usage,
            uint32_t* id) {
  const double value = info.Length() > index && info[index].IsNumber()
                           ? info[index].As<Napi::Number>().DoubleValue()
                           : -1;
  if (!(value >= 0 && value <= 4294967295.0) || value != static_cast<uint32_t>(value)) {
    ThrowUsage(info.Env(), usage,
               "argument " + std::to_string(index + 1) + " must be an id");
    return false;
  }
  *id = static_cast<uint32_t>(value);
  return true;
}

// macOS declares getgrouplist's ids as int, glibc as gid_t: use its own type.
template <typename F>
struct GroupIdOf;
template <typename G>
struct GroupIdOf<int (*)(const char*, G, G*, int*)> {
  using type = G;
};
using GroupId = GroupIdOf<decltype(&getgrouplist)>::type;

}  // namespace

Napi::Value AccountUid(const Napi::CallbackInfo& info) {
  std::string name;
  if (!ReadName(info, "accountUid(name: string)", &name)) return info.Env().Undefined();
  struct passwd entry {};
  struct passwd* found = nullptr;
  int err = WithBuffer([&](char* buffer, size_t size) {
    return getpwnam_r(name.c_str(), &entry, buffer, size, &found);
  });
  if (found != nullptr) return Napi::Number::New(info.Env(), entry.pw_uid);
  if (NotFound(err)) return info.Env().Null();
  ThrowSyscall(info.Env(), "getpwnam_r", err);
  return info.Env().Undefined();
}

Napi::Value AccountGid(const Napi::CallbackInfo& info) {
  std::string name;
  if (!ReadName(info, "accountGid(name: string)", &name)) return info.Env().Undefined();
  struct group entry {};
  struct group* found = nullptr;
  int err = WithBuffer([&](char* buffer, size_t size) {
    return getgrnam_r(name.c_str(), &entry, buffer, size, &found);
  });
  if (found != nullptr) return Napi::Number::New(info.Env(), entry.gr_gid);
  if (NotFound(err)) return info.Env().Null();
  ThrowSyscall(info.Env(), "getgrnam_r", err);
  return info.Env().Undefined();
}

Napi::Value AccountName(const Napi::CallbackInfo& info) {
  uint32_t uid = 0;
  if (!ReadId(info, 0, "accountName(uid: number)", &uid)) return info.Env().Undefined();
  struct passwd entry {};
  struct passwd* found = nullptr;
  std::string name;
  int err = WithBuffer([&](char* buffer, size_t size) {
    int e = getpwuid_r(uid, &entry, buffer, size, &found);
    if (found != nullptr) name = entry.pw_name;  // before the buffer goes
    return e;
  });
  if (found != nullptr) return Napi::String::New(info.Env(), name);
  if (NotFound(err)) return info.Env().Null();
  ThrowSyscall(info.Env(), "getpwuid_r", err);
  return info.Env().Undefined();
}

Napi::Value AccountGroups(const Napi::CallbackInfo& info) {
  const char* usage = "accountGroups(uid: number, primaryGid: number)";
  Napi::Env env = info.Env();
  uint32_t uid = 0, primary = 0;
  if (!ReadId(info, 0, usage, &uid) || !ReadId(info, 1, usage, &primary))
    return env.Undefined();
  struct passwd entry {};
  struct passwd* found = nullptr;
  std::string user;
  int err = WithBuffer([&](char* buffer, size_t size) {
    int e = getpwuid_r(uid, &entry, buffer, size, &found);
    if (found != nullptr) user = entry.pw_name;  // before the buffer goes
    return e;
  });
  Napi::Array out = Napi::Array::New(env);
  if (found == nullptr) {
    if (!NotFound(err)) {
      ThrowSyscall(env, "getpwuid_r", err);
      return env.Undefined();
    }
    out.Set(0u, Napi::Number::New(env, primary));  // an unnamed uid: its own gid only
    return out;
  }
  // -1 means the list was too small; count then says how many there are.
  std::vector<GroupId> groups(64);
  for (;;) {
    int count = static_cast<int>(groups.size());
    if (getgrouplist(user.c_str(), static_cast<GroupId>(primary), groups.data(),
                     &count) != -1) {
      groups.resize(count);
      break;
    }
    if (groups.size() >= 65536) {
      ThrowSyscall(env, "getgrouplist", E2BIG);
      return env.Undefined();
    }
    groups.resize(std::max(groups.size() * 2, static_cast<size_t>(count)));
  }
  for (size_t i = 0; i < groups.size(); i++)
    out.Set(static_cast<uint32_t>(i),
            Napi::Number::New(env, static_cast<uint32_t>(groups[i])));
  return out;
}

}  // namespace vmnet_broker
