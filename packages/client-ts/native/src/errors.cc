// SPDX-License-Identifier: Apache-2.0
#include "errors.h"

#include <uv.h>

#include <cmath>

namespace vmnet_broker {

std::string ErrnoName(int err) {
  // libuv's error codes are negated errno values on Unix; its names are the errno names.
  const char* name = uv_err_name(-err);
  if (name != nullptr && std::string(name).rfind("Unknown", 0) != 0) {
    return name;
  }
  return "E" + std::to_string(err);
}

Napi::Error SyscallError(Napi::Env env, const char* syscall, int err, const std::string& detail) {
  std::string code = ErrnoName(err);
  std::string message = std::string(syscall) + " failed: " + code;
  if (!detail.empty()) {
    message += " (" + detail + ")";
  }
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  error.Set("errno", Napi::Number::New(env, err));
  error.Set("syscall", Napi::String::New(env, syscall));
  return error;
}

Napi::TypeError UsageError(Napi::Env env, const char* usage, const char* problem) {
  return Napi::TypeError::New(env, std::string(usage) + ": " + problem);
}

int64_t ArgInteger(const Napi::CallbackInfo& info, size_t index, const char* usage, int64_t min,
                   int64_t max) {
  if (info.Length() <= index || !info[index].IsNumber()) {
    throw UsageError(info.Env(), usage,
                     ("argument " + std::to_string(index + 1) + " must be a number").c_str());
  }
  double value = info[index].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(value) || std::trunc(value) != value || value < static_cast<double>(min) ||
      value > static_cast<double>(max)) {
    throw UsageError(info.Env(), usage,
                     ("argument " + std::to_string(index + 1) + " must be an integer in [" +
                      std::to_string(min) + ", " + std::to_string(max) + "]")
                         .c_str());
  }
  return static_cast<int64_t>(value);
}

int ArgFd(const Napi::CallbackInfo& info, size_t index, const char* usage) {
  return static_cast<int>(ArgInteger(info, index, usage, 0, INT32_MAX));
}

std::string ArgString(const Napi::CallbackInfo& info, size_t index, const char* usage) {
  if (info.Length() <= index || !info[index].IsString()) {
    throw UsageError(info.Env(), usage,
                     ("argument " + std::to_string(index + 1) + " must be a string").c_str());
  }
  return info[index].As<Napi::String>().Utf8Value();
}

Napi::Function ArgFunction(const Napi::CallbackInfo& info, size_t index, const char* usage) {
  if (info.Length() <= index || !info[index].IsFunction()) {
    throw UsageError(info.Env(), usage,
                     ("argument " + std::to_string(index + 1) + " must be a function").c_str());
  }
  return info[index].As<Napi::Function>();
}

}  // namespace vmnet_broker
