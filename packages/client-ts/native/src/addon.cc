// SPDX-License-Identifier: Apache-2.0
// The socket addon: Unix stream sockets with SCM_RIGHTS and SO_PEERCRED, whose
// I/O is done here (never by net.Socket), driven by libuv readiness.
#include <napi.h>

#include "endpoint.h"
#include "listener.h"
#include "socket_ops.h"

namespace vmnet_broker {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("listen", Napi::Function::New<Listen>(env, "listen"));
  exports.Set("adoptListener", Napi::Function::New<AdoptListener>(env, "adoptListener"));
  exports.Set("connect", Napi::Function::New<Connect>(env, "connect"));
  exports.Set("peerCredentials", Napi::Function::New<PeerCredentials>(env, "peerCredentials"));
  exports.Set("closeFd", Napi::Function::New<CloseFd>(env, "closeFd"));
  exports.Set("Listener", Listener::Define(env));
  exports.Set("Endpoint", Endpoint::Define(env));
  return exports;
}

}  // namespace vmnet_broker

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  return vmnet_broker::Init(env, exports);
}

NODE_API_MODULE(vmnet_broker_socket, InitAddon)
