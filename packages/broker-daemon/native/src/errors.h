// SPDX-License-Identifier: Apache-2.0
// Errors that name the failing syscall: "TUNSETIFF failed: EPERM (Operation not
// permitted)". Argument errors are TypeErrors carrying a usage string.
#pragma once

#include <napi.h>

#include <string>

namespace vmnet_broker {

// Symbolic errno name ("EPERM"), or the number when unknown.
std::string ErrnoName(int err);

// Throws a JS Error "<what> failed: <ENAME> (<strerror>)" with .code = ENAME and
// .syscall = what. Returns so the caller can `return ThrowSyscall(...)`.
void ThrowSyscall(Napi::Env env, const std::string& what, int err);

// Throws a TypeError "<usage>: <problem>".
void ThrowUsage(Napi::Env env, const char* usage, const std::string& problem);

}  // namespace vmnet_broker
