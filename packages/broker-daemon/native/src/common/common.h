// SPDX-License-Identifier: Apache-2.0
// Functions every OS offers; registered by register.cc.
#pragma once

#include <napi.h>

namespace vmnet_broker {

// closeFd(fd: number): void
Napi::Value CloseFd(const Napi::CallbackInfo& info);

// exec(file: string, args: string[], env: Record<string,string>,
//      fds?: Array<{from: number, to: number}>): never
Napi::Value Exec(const Napi::CallbackInfo& info);

// accountUid(name): uid | null, accountGid(name): gid | null (getpwnam_r,
// getgrnam_r); accountGroups(uid, primaryGid): every gid the user is in
// (getpwuid_r + getgrouplist). Through the C library, so NSS and Open Directory
// answer too.
Napi::Value AccountUid(const Napi::CallbackInfo& info);
Napi::Value AccountGid(const Napi::CallbackInfo& info);
Napi::Value AccountName(const Napi::CallbackInfo& info);
// releaseFreedMemory(): a memory-reducing GC, then malloc_trim(0) (glibc).
Napi::Value ReleaseFreedMemory(const Napi::CallbackInfo& info);
Napi::Value AccountGroups(const Napi::CallbackInfo& info);

// Reads a non-negative int32 argument or throws a TypeError with usage.
bool ReadFd(const Napi::CallbackInfo& info, size_t index, const char* usage, int* fd);

}  // namespace vmnet_broker
