// SPDX-License-Identifier: Apache-2.0
// Errors thrown to JavaScript: TypeError with a usage string for bad arguments,
// Error naming the failing syscall ("sendmsg failed: EPIPE") for system calls.
#pragma once

#include <napi.h>

#include <string>

namespace vmnet_broker {

// An Error whose message is "<syscall> failed: <ERRNAME>[ (<detail>)]", with the
// properties code ("EPIPE"), errno (positive) and syscall, like Node's own errors.
Napi::Error SyscallError(Napi::Env env, const char* syscall, int err,
                         const std::string& detail = std::string());

// A TypeError "<usage>: <problem>".
Napi::TypeError UsageError(Napi::Env env, const char* usage, const char* problem);

// The errno's symbolic name ("EPIPE"), or "E<number>" when unknown.
std::string ErrnoName(int err);

// Argument readers that throw UsageError on a wrong type or range.
int ArgFd(const Napi::CallbackInfo& info, size_t index, const char* usage);
std::string ArgString(const Napi::CallbackInfo& info, size_t index, const char* usage);
int64_t ArgInteger(const Napi::CallbackInfo& info, size_t index, const char* usage, int64_t min, int64_t max);
Napi::Function ArgFunction(const Napi::CallbackInfo& info, size_t index, const char* usage);

}  // namespace vmnet_broker
