// Functions every OS offers; registered by register.cc.
#pragma once

#include <napi.h>

namespace vmnet_broker {

// closeFd(fd: number): void
Napi::Value CloseFd(const Napi::CallbackInfo& info);

// exec(file: string, args: string[], env: Record<string,string>,
//      fds?: Array<{from: number, to: number}>): never
Napi::Value Exec(const Napi::CallbackInfo& info);

// Reads a non-negative int32 argument or throws a TypeError with usage.
bool ReadFd(const Napi::CallbackInfo& info, size_t index, const char* usage, int* fd);

}  // namespace vmnet_broker
