// The macOS half of the daemon's addon: the XPC transport and vmnet networks.
// The surface is typed in src/transport/xpc/darwin-addon.ts.
#include <napi.h>

#include "vmnet_network.h"
#include "xpc_listener.h"

namespace vmnet_broker_darwin {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("platform", Napi::String::New(env, "darwin"));
  exports.Set("xpcListen", Napi::Function::New(env, XpcListen, "xpcListen"));
  exports.Set("xpcReply", Napi::Function::New(env, XpcReply, "xpcReply"));
  exports.Set("vmnetCreateNetwork", Napi::Function::New(env, VmnetCreateNetwork, "vmnetCreateNetwork"));
  exports.Set("vmnetReleaseNetwork", Napi::Function::New(env, VmnetReleaseNetwork, "vmnetReleaseNetwork"));
  return exports;
}

}  // namespace vmnet_broker_darwin

static Napi::Object InitDarwinAddon(Napi::Env env, Napi::Object exports) {
  return vmnet_broker_darwin::Init(env, exports);
}

NODE_API_MODULE(vmnet_broker, InitDarwinAddon)
