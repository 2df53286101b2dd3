// SPDX-License-Identifier: Apache-2.0
// A TEST DOUBLE of the part of libxpc that native/src/darwin/xpc_value.cc uses
// (objects, scalars, data, arrays, dictionaries, retain/release), so that file
// can run on Linux inside a test addon (see test.mjs). It follows Apple's
// documented semantics: objects start with one reference; set_value and
// append_value retain; get_value borrows; dictionary keys are unique (a set
// replaces). It counts live objects so tests can prove nothing leaks.
#include <xpc/xpc.h>

#include <cstring>

#include "fake_xpc_object.h"

const struct _xpc_type_s _xpc_type_connection = {"connection"};
const struct _xpc_type_s _xpc_type_endpoint = {"endpoint"};
const struct _xpc_type_s _xpc_type_null = {"null"};
const struct _xpc_type_s _xpc_type_bool = {"bool"};
const struct _xpc_type_s _xpc_type_int64 = {"int64"};
const struct _xpc_type_s _xpc_type_uint64 = {"uint64"};
const struct _xpc_type_s _xpc_type_double = {"double"};
const struct _xpc_type_s _xpc_type_date = {"date"};
const struct _xpc_type_s _xpc_type_data = {"data"};
const struct _xpc_type_s _xpc_type_string = {"string"};
const struct _xpc_type_s _xpc_type_uuid = {"uuid"};
const struct _xpc_type_s _xpc_type_fd = {"fd"};
const struct _xpc_type_s _xpc_type_shmem = {"shmem"};
const struct _xpc_type_s _xpc_type_array = {"array"};
const struct _xpc_type_s _xpc_type_dictionary = {"dictionary"};
const struct _xpc_type_s _xpc_type_error = {"error"};

namespace fake_xpc {

std::atomic<long> live_objects{0};

Object::~Object() {
  if (!immortal) live_objects--;
  for (auto& entry : dict) xpc_release(entry.second);
  for (Object* item : array) xpc_release(item);
}

}  // namespace fake_xpc

using fake_xpc::O;
using fake_xpc::Object;

extern "C" {

long fake_xpc_live_objects(void) { return fake_xpc::live_objects.load(); }

xpc_object_t fake_xpc_fd_create(void) { return new Object(XPC_TYPE_FD); }

xpc_object_t xpc_retain(xpc_object_t object) {
  if (!O(object)->immortal) O(object)->refs++;
  return object;
}

void xpc_release(xpc_object_t object) {
  if (!O(object)->immortal && --O(object)->refs == 0) delete O(object);
}

xpc_type_t xpc_get_type(xpc_object_t object) { return O(object)->type; }

xpc_object_t xpc_null_create(void) { return new Object(XPC_TYPE_NULL); }

xpc_object_t xpc_bool_create(bool value) {
  auto* o = new Object(XPC_TYPE_BOOL);
  o->flag = value;
  return o;
}
bool xpc_bool_get_value(xpc_object_t x) {
  return O(x)->type == XPC_TYPE_BOOL && O(x)->flag;
}

xpc_object_t xpc_int64_create(int64_t value) {
  auto* o = new Object(XPC_TYPE_INT64);
  o->i64 = value;
  return o;
}
int64_t xpc_int64_get_value(xpc_object_t x) {
  return O(x)->type == XPC_TYPE_INT64 ? O(x)->i64 : 0;
}

xpc_object_t xpc_uint64_create(uint64_t value) {
  auto* o = new Object(XPC_TYPE_UINT64);
  o->u64 = value;
  return o;
}
uint64_t xpc_uint64_get_value(xpc_object_t x) {
  return O(x)->type == XPC_TYPE_UINT64 ? O(x)->u64 : 0;
}

xpc_object_t xpc_double_create(double value) {
  auto* o = new Object(XPC_TYPE_DOUBLE);
  o->number = value;
  return o;
}
double xpc_double_get_value(xpc_object_t x) {
  return O(x)->type == XPC_TYPE_DOUBLE ? O(x)->number : 0;
}

xpc_object_t xpc_data_create(const void* bytes, size_t length) {
  auto* o = new Object(XPC_TYPE_DATA);
  if (length > 0)
    o->bytes.assign(static_cast<const uint8_t*>(bytes),
                    static_cast<const uint8_t*>(bytes) + length);
  return o;
}
// Like libxpc, an empty data object has no bytes pointer.
const void* xpc_data_get_bytes_ptr(xpc_object_t x) {
  return O(x)->bytes.empty() ? nullptr : O(x)->bytes.data();
}
size_t xpc_data_get_length(xpc_object_t x) { return O(x)->bytes.size(); }

xpc_object_t xpc_string_create(const char* string) {
  auto* o = new Object(XPC_TYPE_STRING);
  o->text = string;
  return o;
}
size_t xpc_string_get_length(xpc_object_t x) { return O(x)->text.size(); }
const char* xpc_string_get_string_ptr(xpc_object_t x) { return O(x)->text.c_str(); }

xpc_object_t xpc_array_create(const xpc_object_t* objects, size_t count) {
  auto* o = new Object(XPC_TYPE_ARRAY);
  for (size_t i = 0; i < count; i++) o->array.push_back(O(xpc_retain(objects[i])));
  return o;
}
void xpc_array_append_value(xpc_object_t xarray, xpc_object_t value) {
  O(xarray)->array.push_back(O(xpc_retain(value)));
}
size_t xpc_array_get_count(xpc_object_t xarray) { return O(xarray)->array.size(); }
xpc_object_t xpc_array_get_value(xpc_object_t xarray, size_t index) {
  return O(xarray)->array.at(index);
}

xpc_object_t xpc_dictionary_create(const char* const* keys, const xpc_object_t* values,
                                   size_t count) {
  auto* o = new Object(XPC_TYPE_DICTIONARY);
  for (size_t i = 0; i < count; i++) xpc_dictionary_set_value(o, keys[i], values[i]);
  return o;
}
void xpc_dictionary_set_value(xpc_object_t xdict, const char* key, xpc_object_t value) {
  auto& dict = O(xdict)->dict;
  for (auto& entry : dict) {
    if (entry.first == key) {
      xpc_release(entry.second);
      entry.second = O(xpc_retain(value));
      return;
    }
  }
  dict.emplace_back(key, O(xpc_retain(value)));
}
xpc_object_t xpc_dictionary_get_value(xpc_object_t xdict, const char* key) {
  for (auto& entry : O(xdict)->dict) {
    if (entry.first == key) return entry.second;
  }
  return nullptr;
}
const char* xpc_dictionary_get_string(xpc_object_t xdict, const char* key) {
  // Error objects answer XPC_ERROR_KEY_DESCRIPTION with their description.
  if (O(xdict)->type == XPC_TYPE_ERROR) {
    return std::strcmp(key, XPC_ERROR_KEY_DESCRIPTION) == 0 ? O(xdict)->text.c_str()
                                                            : nullptr;
  }
  xpc_object_t value = xpc_dictionary_get_value(xdict, key);
  return value != nullptr && O(value)->type == XPC_TYPE_STRING ? O(value)->text.c_str()
                                                               : nullptr;
}

void xpc_dictionary_set_string(xpc_object_t xdict, const char* key,
                               const char* string) {
  xpc_object_t value = xpc_string_create(string);
  xpc_dictionary_set_value(xdict, key, value);
  xpc_release(value);
}

size_t xpc_dictionary_get_count(xpc_object_t xdict) { return O(xdict)->dict.size(); }
bool xpc_dictionary_apply(xpc_object_t xdict, xpc_dictionary_applier_t applier) {
  for (auto& entry : O(xdict)->dict) {
    if (!applier(entry.first.c_str(), entry.second)) return false;
  }
  return true;
}

}  // extern "C"
