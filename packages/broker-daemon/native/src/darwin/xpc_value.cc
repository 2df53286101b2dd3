// SPDX-License-Identifier: Apache-2.0
#include "xpc_value.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace vmnet_broker_darwin {
namespace {

// Marks externals made by WrapXpcObject so a foreign external is never
// mistaken for an XPC object.
const napi_type_tag kXpcObjectTag = {0x7a1c3e5d9b2f4a61ULL, 0x8e0d6c4b2a193f57ULL};

struct XpcObjectBox {
  xpc_object_t object;
};

Napi::Object Tagged(Napi::Env env, const char* type) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("type", Napi::String::New(env, type));
  return out;
}

const char* TypeName(xpc_object_t obj) {
  xpc_type_t type = xpc_get_type(obj);
  if (type == XPC_TYPE_FD) return "fd";
  if (type == XPC_TYPE_SHMEM) return "shmem";
  if (type == XPC_TYPE_UUID) return "uuid";
  if (type == XPC_TYPE_DATE) return "date";
  if (type == XPC_TYPE_ENDPOINT) return "endpoint";
  if (type == XPC_TYPE_CONNECTION) return "connection";
  if (type == XPC_TYPE_ERROR) return "error";
  return "unknown";
}

Napi::Value Unsupported(Napi::Env env, const char* name) {
  Napi::Object out = Tagged(env, "unsupported");
  out.Set("name", Napi::String::New(env, name));
  return out;
}

bool ThrowType(Napi::Env env, const std::string& message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  return false;
}

// Reads a required field of a description; throws naming the path if absent.
bool Field(Napi::Env env, Napi::Object obj, const char* key, const std::string& path,
           Napi::Value* out) {
  Napi::Value v = obj.Get(key);
  if (env.IsExceptionPending()) return false;
  if (v.IsUndefined()) return ThrowType(env, path + "." + key + " is missing");
  *out = v;
  return true;
}

bool BigIntField(Napi::Env env, Napi::Object obj, const std::string& path,
                 bool is_signed, int64_t* s, uint64_t* u) {
  Napi::Value v;
  if (!Field(env, obj, "value", path, &v)) return false;
  if (!v.IsBigInt()) return ThrowType(env, path + ".value must be a bigint");
  bool lossless = false;
  if (is_signed) {
    *s = v.As<Napi::BigInt>().Int64Value(&lossless);
  } else {
    *u = v.As<Napi::BigInt>().Uint64Value(&lossless);
  }
  if (!lossless) return ThrowType(env, path + ".value does not fit in 64 bits");
  return true;
}

xpc_object_t DictionaryFromJs(Napi::Env env, Napi::Object desc, const std::string& path,
                              int depth) {
  Napi::Value entries_value;
  if (!Field(env, desc, "entries", path, &entries_value)) return nullptr;
  if (!entries_value.IsArray()) {
    ThrowType(env, path + ".entries must be an array of [key, value] pairs");
    return nullptr;
  }
  Napi::Array entries = entries_value.As<Napi::Array>();
  xpc_object_t dict = xpc_dictionary_create(nullptr, nullptr, 0);
  for (uint32_t i = 0; i < entries.Length(); i++) {
    const std::string entry_path = path + ".entries[" + std::to_string(i) + "]";
    Napi::Value pair_value = entries.Get(i);
    if (env.IsExceptionPending()) break;
    if (!pair_value.IsArray() || pair_value.As<Napi::Array>().Length() != 2) {
      ThrowType(env, entry_path + " must be a [key, value] pair");
      break;
    }
    Napi::Array pair = pair_value.As<Napi::Array>();
    Napi::Value key = pair.Get(0u);
    if (!key.IsString()) {
      ThrowType(env, entry_path + "[0] must be a string key");
      break;
    }
    const std::string key_text = key.As<Napi::String>().Utf8Value();
    if (key_text.find('\0') != std::string::npos) {
      ThrowType(env, entry_path + "[0] must not contain NUL");
      break;
    }
    xpc_object_t value = JsToXpc(env, pair.Get(1u), entry_path + "[1]", depth + 1);
    if (value == nullptr) break;
    xpc_dictionary_set_value(dict, key_text.c_str(), value);  // retains value
    xpc_release(value);
  }
  if (env.IsExceptionPending()) {
    xpc_release(dict);
    return nullptr;
  }
  return dict;
}

xpc_object_t ArrayFromJs(Napi::Env env, Napi::Object desc, const std::string& path,
                         int depth) {
  Napi::Value items_value;
  if (!Field(env, desc, "items", path, &items_value)) return nullptr;
  if (!items_value.IsArray()) {
    ThrowType(env, path + ".items must be an array");
    return nullptr;
  }
  Napi::Array items = items_value.As<Napi::Array>();
  xpc_object_t array = xpc_array_create(nullptr, 0);
  for (uint32_t i = 0; i < items.Length(); i++) {
    xpc_object_t item = JsToXpc(env, items.Get(i),
                                path + ".items[" + std::to_string(i) + "]", depth + 1);
    if (item == nullptr) {
      xpc_release(array);
      return nullptr;
    }
    xpc_array_append_value(array, item);  // retains item
    xpc_release(item);
  }
  return array;
}

}  // namespace

Napi::Value XpcToJs(Napi::Env env, xpc_object_t obj, int depth) {
  if (depth > kMaxXpcDepth) return Unsupported(env, "too-deep");
  xpc_type_t type = xpc_get_type(obj);
  if (type == XPC_TYPE_DICTIONARY) {
    // Collect first, convert after: no JavaScript call (which may throw a C++
    // exception) runs inside libxpc's applier.
    __block std::vector<std::pair<std::string, xpc_object_t>> items;
    xpc_dictionary_apply(obj, ^bool(const char* key, xpc_object_t value) {
      items.emplace_back(key, value);  // borrowed: obj keeps value alive
      return true;
    });
    Napi::Array entries = Napi::Array::New(env, items.size());
    for (size_t i = 0; i < items.size(); i++) {
      Napi::Array pair = Napi::Array::New(env, 2);
      pair.Set(0u, Napi::String::New(env, items[i].first));
      pair.Set(1u, XpcToJs(env, items[i].second, depth + 1));
      entries.Set(static_cast<uint32_t>(i), pair);
    }
    Napi::Object out = Tagged(env, "dictionary");
    out.Set("entries", entries);
    return out;
  }
  if (type == XPC_TYPE_ARRAY) {
    Napi::Array items = Napi::Array::New(env);
    const size_t count = xpc_array_get_count(obj);
    for (size_t i = 0; i < count; i++) {
      items.Set(static_cast<uint32_t>(i),
                XpcToJs(env, xpc_array_get_value(obj, i), depth + 1));
    }
    Napi::Object out = Tagged(env, "array");
    out.Set("items", items);
    return out;
  }
  if (type == XPC_TYPE_STRING) {
    Napi::Object out = Tagged(env, "string");
    out.Set("value", Napi::String::New(env, xpc_string_get_string_ptr(obj),
                                       xpc_string_get_length(obj)));
    return out;
  }
  if (type == XPC_TYPE_INT64) {
    Napi::Object out = Tagged(env, "int64");
    out.Set("value", Napi::BigInt::New(env, xpc_int64_get_value(obj)));
    return out;
  }
  if (type == XPC_TYPE_UINT64) {
    Napi::Object out = Tagged(env, "uint64");
    out.Set("value", Napi::BigInt::New(env, xpc_uint64_get_value(obj)));
    return out;
  }
  if (type == XPC_TYPE_BOOL) {
    Napi::Object out = Tagged(env, "bool");
    out.Set("value", Napi::Boolean::New(env, xpc_bool_get_value(obj)));
    return out;
  }
  if (type == XPC_TYPE_DOUBLE) {
    Napi::Object out = Tagged(env, "double");
    out.Set("value", Napi::Number::New(env, xpc_double_get_value(obj)));
    return out;
  }
  if (type == XPC_TYPE_DATA) {
    const size_t length = xpc_data_get_length(obj);
    const void* bytes = xpc_data_get_bytes_ptr(obj);
    Napi::Object out = Tagged(env, "data");
    // Copied: the bytes belong to the XPC object, which is released after conversion.
    out.Set("value", Napi::Buffer<uint8_t>::Copy(
                         env, static_cast<const uint8_t*>(bytes), bytes ? length : 0));
    return out;
  }
  if (type == XPC_TYPE_NULL) return Tagged(env, "null");
  return Unsupported(env, TypeName(obj));
}

xpc_object_t JsToXpc(Napi::Env env, Napi::Value value, const std::string& path,
                     int depth) {
  if (depth > kMaxXpcDepth) {
    ThrowType(env,
              path + " nests deeper than " + std::to_string(kMaxXpcDepth) + " levels");
    return nullptr;
  }
  if (!value.IsObject()) {
    ThrowType(env, path + " must be an object like {type: \"string\", value: \"...\"}");
    return nullptr;
  }
  Napi::Object desc = value.As<Napi::Object>();
  Napi::Value type_value = desc.Get("type");
  if (!type_value.IsString()) {
    ThrowType(env, path + ".type must be a string");
    return nullptr;
  }
  const std::string type = type_value.As<Napi::String>().Utf8Value();
  Napi::Value v;
  if (type == "dictionary") return DictionaryFromJs(env, desc, path, depth);
  if (type == "array") return ArrayFromJs(env, desc, path, depth);
  if (type == "null") return xpc_null_create();
  if (type == "string") {
    if (!Field(env, desc, "value", path, &v)) return nullptr;
    if (!v.IsString()) return ThrowType(env, path + ".value must be a string"), nullptr;
    return xpc_string_create(v.As<Napi::String>().Utf8Value().c_str());
  }
  if (type == "int64") {
    int64_t s = 0;
    if (!BigIntField(env, desc, path, true, &s, nullptr)) return nullptr;
    return xpc_int64_create(s);
  }
  if (type == "uint64") {
    uint64_t u = 0;
    if (!BigIntField(env, desc, path, false, nullptr, &u)) return nullptr;
    return xpc_uint64_create(u);
  }
  if (type == "bool") {
    if (!Field(env, desc, "value", path, &v)) return nullptr;
    if (!v.IsBoolean())
      return ThrowType(env, path + ".value must be a boolean"), nullptr;
    return xpc_bool_create(v.As<Napi::Boolean>().Value());
  }
  if (type == "double") {
    if (!Field(env, desc, "value", path, &v)) return nullptr;
    if (!v.IsNumber()) return ThrowType(env, path + ".value must be a number"), nullptr;
    return xpc_double_create(v.As<Napi::Number>().DoubleValue());
  }
  if (type == "data") {
    if (!Field(env, desc, "value", path, &v)) return nullptr;
    if (!v.IsTypedArray() ||
        v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      return ThrowType(env, path + ".value must be a Uint8Array"), nullptr;
    }
    Napi::Uint8Array bytes = v.As<Napi::Uint8Array>();
    return xpc_data_create(bytes.Data(), bytes.ByteLength());
  }
  if (type == "object") {
    if (!Field(env, desc, "handle", path, &v)) return nullptr;
    xpc_object_t obj = UnwrapXpcObject(v);
    if (obj == nullptr)
      return ThrowType(env, path + ".handle is not an XPC object handle"), nullptr;
    return xpc_retain(obj);
  }
  ThrowType(env,
            path + ".type \"" + type + "\" is not an XPC type this bridge can build");
  return nullptr;
}

Napi::Value WrapXpcObject(Napi::Env env, xpc_object_t obj) {
  auto* box = new XpcObjectBox{xpc_retain(obj)};
  auto handle =
      Napi::External<XpcObjectBox>::New(env, box, [](Napi::Env, XpcObjectBox* b) {
        xpc_release(b->object);
        delete b;
      });
  handle.TypeTag(&kXpcObjectTag);
  return handle;
}

xpc_object_t UnwrapXpcObject(Napi::Value value) {
  if (!value.IsExternal()) return nullptr;
  auto handle = value.As<Napi::External<XpcObjectBox>>();
  if (!handle.CheckTypeTag(&kXpcObjectTag)) return nullptr;
  return handle.Data()->object;
}

}  // namespace vmnet_broker_darwin
