// SPDX-License-Identifier: Apache-2.0
// vmnet networks (macOS 26+): vmnetCreateNetwork(options) builds a network
// configuration, creates the network off the JavaScript thread, and resolves with
// the network handle, its XPC serialization and the subnet/prefix vmnet chose;
// vmnetReleaseNetwork(handle) releases it (CFRelease), which frees its resources.
#pragma once

#include <napi.h>

namespace vmnet_broker_darwin {

Napi::Value VmnetCreateNetwork(const Napi::CallbackInfo& info);
Napi::Value VmnetReleaseNetwork(const Napi::CallbackInfo& info);

}  // namespace vmnet_broker_darwin
