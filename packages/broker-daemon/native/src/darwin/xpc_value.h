// SPDX-License-Identifier: Apache-2.0
// Converts between XPC objects and the plain JavaScript values that describe
// them ({type: "dictionary", entries: [[key, value], ...]}, {type: "string",
// value}, ...), the shape src/transport/xpc/xpc-value.ts defines. Opaque XPC
// objects (a vmnet serialization) cross as {type: "object", handle}.
#pragma once

#include <napi.h>
#include <xpc/xpc.h>

namespace vmnet_broker_darwin {

// Nesting deeper than this is reported as {type: "unsupported"}: a peer's
// message must not be able to exhaust the stack.
constexpr int kMaxXpcDepth = 32;

// Describes obj (borrowed) as a plain JavaScript value.
Napi::Value XpcToJs(Napi::Env env, xpc_object_t obj, int depth = 0);

// Builds a new XPC object (+1, caller releases) from a description. On a bad
// description throws a TypeError naming the path and returns nullptr.
xpc_object_t JsToXpc(Napi::Env env, Napi::Value value, const std::string& path,
                     int depth = 0);

// Wraps obj (retained here, released by the garbage collector) as an opaque
// handle JavaScript can pass back in a description.
Napi::Value WrapXpcObject(Napi::Env env, xpc_object_t obj);

// The object behind a handle made by WrapXpcObject (borrowed), or nullptr.
xpc_object_t UnwrapXpcObject(Napi::Value value);

}  // namespace vmnet_broker_darwin
