// SPDX-License-Identifier: Apache-2.0
#include "js_callback.h"

namespace vmnet_broker {

void CallFromLoop(Napi::Env env, Napi::Object receiver, const Napi::FunctionReference& fn,
                  Napi::AsyncContext& context, std::initializer_list<napi_value> args) {
  if (fn.IsEmpty()) {
    return;
  }
  try {
    fn.MakeCallback(receiver, args, context);
  } catch (const Napi::Error& error) {
    napi_fatal_exception(env, error.Value());
  }
}

}  // namespace vmnet_broker
