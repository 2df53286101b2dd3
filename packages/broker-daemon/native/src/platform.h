// SPDX-License-Identifier: Apache-2.0
// Each OS registers its own functions on the addon's exports object. Exactly one
// of these is defined per build (see binding.gyp's conditions).
#pragma once

#include <napi.h>

namespace vmnet_broker {

// Functions every OS offers (closeFd, exec).
void RegisterCommon(Napi::Env env, Napi::Object exports);

#if defined(__linux__)
// TAP, interface ioctls, network namespace entry (native/src/linux).
void RegisterLinux(Napi::Env env, Napi::Object exports);
#endif

#if defined(__APPLE__)
// XPC and vmnet (native/src/darwin, written by the macOS engineer).
void RegisterDarwin(Napi::Env env, Napi::Object exports);
#endif

}  // namespace vmnet_broker
