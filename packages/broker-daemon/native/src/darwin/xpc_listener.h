// SPDX-License-Identifier: Apache-2.0
// The XPC Mach service listener. xpcListen(serviceName, onEvent) starts it on a
// private serial dispatch queue (never the main queue: libuv owns the main
// thread, so main-queue blocks would never run in Node) and returns a listener
// object with close(). Every XPC event crosses to JavaScript through one
// ThreadSafeFunction as {type: "connect" | "message" | "disconnect" | "error", ...}.
// xpcReply(replyHandle, dictionaryDescription) answers one message, once.
// listener.push(peer, dictionary, bytes) sends a peer a message it did not ask
// for (subscription events) and returns the bytes of such messages not yet sent
// to it; listener.dropPeer(peer) cancels one peer (a reader too slow).
#pragma once

#include <napi.h>

namespace vmnet_broker_darwin {

Napi::Value XpcListen(const Napi::CallbackInfo& info);
Napi::Value XpcReply(const Napi::CallbackInfo& info);

}  // namespace vmnet_broker_darwin
