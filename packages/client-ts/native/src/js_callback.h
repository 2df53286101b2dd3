// SPDX-License-Identifier: Apache-2.0
// Calls JavaScript from libuv callbacks, where no JavaScript frame is on the stack.
#pragma once

#include <napi.h>

#include <initializer_list>

namespace vmnet_broker {

// Calls fn through MakeCallback (so promise jobs and nextTicks run afterwards, as
// for any Node I/O callback). An exception thrown by fn becomes the process's
// uncaught exception instead of being lost inside native code.
void CallFromLoop(Napi::Env env, Napi::Object receiver, const Napi::FunctionReference& fn,
                  Napi::AsyncContext& context, std::initializer_list<napi_value> args);

}  // namespace vmnet_broker
