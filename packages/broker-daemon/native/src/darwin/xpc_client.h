// A one-shot XPC client for the CLI on macOS (`vmnet-broker status`):
// xpcSendRequest(serviceName, dictionaryDescription) connects to the Mach
// service, sends the message, waits for the reply off the JavaScript thread and
// resolves with the reply's description. XPC errors (no such service, broker
// crashed) reject, naming the XPC error.
#pragma once

#include <napi.h>

namespace vmnet_broker_darwin {

Napi::Value XpcSendRequest(const Napi::CallbackInfo& info);

}  // namespace vmnet_broker_darwin
