// SPDX-License-Identifier: Apache-2.0
// The macOS half of the daemon's addon: the XPC transport and vmnet networks.
// The surface is typed in src/transport/xpc/darwin-native.ts.
#include "darwin/vmnet_network.h"
#include "darwin/xpc_client.h"
#include "darwin/xpc_listener.h"
#include "platform.h"

namespace vmnet_broker {

void RegisterDarwin(Napi::Env env, Napi::Object exports) {
  using namespace vmnet_broker_darwin;
  exports.Set("xpcListen", Napi::Function::New(env, XpcListen, "xpcListen"));
  exports.Set("xpcReply", Napi::Function::New(env, XpcReply, "xpcReply"));
  exports.Set("xpcSendRequest",
              Napi::Function::New(env, XpcSendRequest, "xpcSendRequest"));
  exports.Set("xpcOpen", Napi::Function::New(env, XpcOpen, "xpcOpen"));
  exports.Set("xpcSend", Napi::Function::New(env, XpcSend, "xpcSend"));
  exports.Set("xpcClose", Napi::Function::New(env, XpcClose, "xpcClose"));
  exports.Set("vmnetCreateNetwork",
              Napi::Function::New(env, VmnetCreateNetwork, "vmnetCreateNetwork"));
  exports.Set("vmnetReleaseNetwork",
              Napi::Function::New(env, VmnetReleaseNetwork, "vmnetReleaseNetwork"));
}

}  // namespace vmnet_broker
