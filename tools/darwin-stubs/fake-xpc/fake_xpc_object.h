// SPDX-License-Identifier: Apache-2.0
// TEST DOUBLE internals shared by fake_xpc.cc and fake_xpc_connection.cc: what
// an xpc_object_t points to in the fake libxpc. Never shipped.
#pragma once

#include <xpc/xpc.h>

#include <atomic>
#include <functional>
#include <string>
#include <utility>
#include <vector>

struct _xpc_type_s {
  const char* name;
};

namespace fake_xpc {

extern std::atomic<long> live_objects;

struct Object {
  explicit Object(xpc_type_t t, bool immortal_ = false) : type(t), immortal(immortal_) {
    if (!immortal) live_objects++;
  }
  virtual ~Object();
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;

  xpc_type_t type;
  bool immortal;  // the XPC_ERROR_* globals
  std::atomic<int> refs{1};
  std::string text;  // string; error description
  int64_t i64 = 0;
  uint64_t u64 = 0;
  bool flag = false;
  double number = 0;
  std::vector<uint8_t> bytes;
  std::vector<std::pair<std::string, Object*>> dict;
  std::vector<Object*> array;
  // A message that expects a reply: called with the reply when it is sent.
  std::function<void(xpc_object_t)> reply_to;
};

inline Object* O(xpc_object_t obj) { return static_cast<Object*>(obj); }

// Test hooks (fake_xpc_connection.cc).
int open_transactions_now();
bool listening(const char* name);
// A client connects: the service's listener gets a new peer connection. Returns
// the broker-side peer (one reference for the test), or nullptr if nobody listens.
xpc_object_t connect(const char* name, uid_t euid, gid_t egid, pid_t pid);
// The client sends message (consumed); reply_to, if set, receives the reply.
void send(xpc_object_t peer, xpc_object_t message,
          std::function<void(xpc_object_t)> reply_to);
// The client goes away (close, exit or crash): the peer gets CONNECTION_INVALID once.
void drop(xpc_object_t peer);
// The messages the broker sent the peer unasked since the last call (retained:
// the caller releases them).
std::vector<xpc_object_t> take_pushed(xpc_object_t peer);
// A stalled peer reads nothing: send barriers on it wait until it is unstalled.
void stall(xpc_object_t peer, bool stalled);

}  // namespace fake_xpc
