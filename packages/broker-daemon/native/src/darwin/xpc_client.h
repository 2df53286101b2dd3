// SPDX-License-Identifier: Apache-2.0
// The CLI's XPC client on macOS. A session is one connection to the Mach
// service, kept open for as long as the caller holds it: the broker counts
// networks acquired on it until xpcClose (or the process exit).
//   xpcOpen(serviceName, onIncoming?) -> session; onIncoming gets what the
//     broker sends unasked ({type: "message", message}: subscription events)
//     and the connection's end ({type: "error", message}), on the JS thread
//   xpcSend(session, dictionaryDescription) -> Promise<reply description>
//   xpcClose(session)  (idempotent; the collector closes a forgotten one)
//   xpcSendRequest(serviceName, dictionaryDescription): open, send, close
//     (`vmnet-broker status`).
// Sends wait for the reply off the JavaScript thread; XPC errors (no such
// service, broker crashed) reject, naming the XPC error.
#pragma once

#include <napi.h>

namespace vmnet_broker_darwin {

Napi::Value XpcOpen(const Napi::CallbackInfo& info);
Napi::Value XpcSend(const Napi::CallbackInfo& info);
Napi::Value XpcClose(const Napi::CallbackInfo& info);
Napi::Value XpcSendRequest(const Napi::CallbackInfo& info);

}  // namespace vmnet_broker_darwin
