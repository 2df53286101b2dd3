// SPDX-License-Identifier: Apache-2.0
// A TEST DOUBLE of XPC connections for running native/src/darwin/xpc_listener.cc
// on Linux: Mach service listeners registered by name, peer connections that a
// test creates (fake_xpc::connect), messages delivered on the connection's
// target queue, replies routed back to the test, XPC_ERROR_CONNECTION_INVALID
// delivered once on cancel or when the test drops the peer, contexts with
// finalizers, a transaction counter, and messages the broker sends a peer
// unasked (kept for the test to read) with send barriers that run unless the
// test stalls the peer (a client that does not read). Never shipped.
#include <Block.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "fake_xpc_object.h"

using fake_xpc::O;
using fake_xpc::Object;

struct _xpc_dictionary_s : Object {
  explicit _xpc_dictionary_s(const char* description) : Object(XPC_TYPE_ERROR, true) {
    text = description;
  }
};

const struct _xpc_dictionary_s _xpc_error_connection_interrupted(
    "Connection interrupted");
const struct _xpc_dictionary_s _xpc_error_connection_invalid("Connection invalid");
const struct _xpc_dictionary_s _xpc_error_termination_imminent("Termination imminent");
const char* const _xpc_error_key_description = "XPCErrorDescription";

namespace {

std::atomic<int> open_transactions{0};

struct Connection : Object {
  Connection() : Object(XPC_TYPE_CONNECTION) {}
  ~Connection() override {
    if (client != nullptr) xpc_release(client);
    for (xpc_object_t message : pushed) xpc_release(message);
    for (dispatch_block_t barrier : held_barriers) Block_release(barrier);
    if (finalizer != nullptr) finalizer(context);
    if (handler != nullptr) Block_release(handler);
    if (queue != nullptr) dispatch_release(queue);
  }
  std::string name;
  dispatch_queue_t queue = nullptr;
  xpc_handler_t handler = nullptr;
  void* context = nullptr;
  xpc_finalizer_t finalizer = nullptr;
  uid_t euid = 0;
  gid_t egid = 0;
  pid_t pid = 0;
  std::atomic<bool> invalid{false};
  // A client connection (not a listener): its broker-side peer, once connected.
  Connection* server_peer = nullptr;
  // A broker-side peer made by a client connection: that client (retained),
  // which gets what the broker sends unasked and learns when it is cancelled.
  Connection* client = nullptr;
  // A broker-side peer: messages sent to it unasked, and barriers held while stalled.
  std::mutex pushed_mutex;
  std::vector<xpc_object_t> pushed;  // retained
  bool stalled = false;
  std::vector<dispatch_block_t> held_barriers;  // copied
};

Connection* C(xpc_object_t obj) { return static_cast<Connection*>(O(obj)); }

Connection* ConnectToListener(const std::string& name, uid_t euid, gid_t egid,
                              pid_t pid);

std::mutex registry_mutex;
std::map<std::string, Connection*> listeners;  // retained

// Runs the handler with event on the connection's queue, keeping both alive.
void Deliver(Connection* conn, xpc_object_t event) {
  xpc_retain(conn);
  xpc_retain(event);
  dispatch_async(conn->queue, ^{
    if (conn->handler != nullptr) conn->handler(event);
    xpc_release(event);
    xpc_release(conn);
  });
}

void Invalidate(Connection* conn) {
  if (conn->invalid.exchange(true)) return;  // delivered once
  Deliver(conn, const_cast<_xpc_dictionary_s*>(&_xpc_error_connection_invalid));
}

// A client connects: the service's listener gets a new peer connection.
// Returns the broker-side peer (one reference for the caller), or nullptr.
Connection* ConnectToListener(const std::string& name, uid_t euid, gid_t egid,
                              pid_t pid) {
  Connection* listener;
  {
    std::lock_guard<std::mutex> lock(registry_mutex);
    auto it = listeners.find(name);
    if (it == listeners.end()) return nullptr;
    listener = it->second;
    xpc_retain(listener);
  }
  auto* peer = new Connection();
  peer->name = name;
  peer->euid = euid;
  peer->egid = egid;
  peer->pid = pid;
  peer->queue = listener->queue;
  dispatch_retain(peer->queue);
  Deliver(listener, peer);
  xpc_release(listener);
  return peer;
}

}  // namespace

extern "C" {

void xpc_transaction_begin(void) { open_transactions++; }
void xpc_transaction_end(void) { open_transactions--; }

xpc_connection_t xpc_connection_create_mach_service(const char* name,
                                                    dispatch_queue_t targetq,
                                                    uint64_t flags) {
  auto* conn = new Connection();
  conn->name = name;
  if (targetq == nullptr) {  // libxpc's default target queue; here a private one
    conn->queue =
        dispatch_queue_create("fake-xpc.default-target", DISPATCH_QUEUE_SERIAL);
  } else {
    conn->queue = targetq;
    dispatch_retain(targetq);
  }
  if (flags & XPC_CONNECTION_MACH_SERVICE_LISTENER) {
    std::lock_guard<std::mutex> lock(registry_mutex);
    auto it = listeners.find(name);
    if (it != listeners.end()) xpc_release(it->second);
    listeners[name] = static_cast<Connection*>(O(xpc_retain(conn)));
  }
  return static_cast<xpc_connection_t>(static_cast<xpc_object_t>(conn));
}

void xpc_connection_set_target_queue(xpc_connection_t connection,
                                     dispatch_queue_t targetq) {
  Connection* conn = C(connection);
  dispatch_retain(targetq);
  if (conn->queue != nullptr) dispatch_release(conn->queue);
  conn->queue = targetq;
}

void xpc_connection_set_event_handler(xpc_connection_t connection,
                                      xpc_handler_t handler) {
  Connection* conn = C(connection);
  if (conn->handler != nullptr) Block_release(conn->handler);
  conn->handler = Block_copy(handler);
}

void xpc_connection_resume(xpc_connection_t) {}

void xpc_connection_cancel(xpc_connection_t connection) {
  Connection* conn = C(connection);
  if (conn->server_peer != nullptr) {  // a client closing: its peer sees INVALID
    Connection* peer = conn->server_peer;
    conn->server_peer = nullptr;
    Invalidate(peer);
    std::lock_guard<std::mutex> lock(peer->pushed_mutex);
    if (peer->client == conn) {  // no more messages for this client
      peer->client = nullptr;
      xpc_release(conn);
    }
    xpc_release(peer);
  }
  {  // the broker cancelling a client's peer: the client sees INVALID
    Connection* client = nullptr;
    {
      std::lock_guard<std::mutex> lock(conn->pushed_mutex);
      std::swap(client, conn->client);
    }
    if (client != nullptr) {
      Invalidate(client);
      xpc_release(client);
    }
  }
  {
    std::lock_guard<std::mutex> lock(registry_mutex);
    auto it = listeners.find(conn->name);
    if (it != listeners.end() && it->second == conn) {
      listeners.erase(it);
      xpc_release(conn);
    }
  }
  Invalidate(conn);
}

// A reply goes to whoever waits for it; any other message is kept for the test.
void xpc_connection_send_message(xpc_connection_t connection, xpc_object_t message) {
  if (O(message)->reply_to) {
    O(message)->reply_to(message);
    return;
  }
  Connection* conn = C(connection);
  std::lock_guard<std::mutex> lock(conn->pushed_mutex);
  if (conn->client != nullptr) {
    Deliver(conn->client, message);
  } else {
    conn->pushed.push_back(xpc_retain(message));
  }
}

// Every earlier message is "sent" at once, unless the test stalls the peer.
void xpc_connection_send_barrier(xpc_connection_t connection,
                                 dispatch_block_t barrier) {
  Connection* conn = C(connection);
  {
    std::lock_guard<std::mutex> lock(conn->pushed_mutex);
    if (conn->stalled) {
      conn->held_barriers.push_back(Block_copy(barrier));
      return;
    }
  }
  xpc_retain(conn);
  dispatch_block_t copy = Block_copy(barrier);
  dispatch_async(conn->queue, ^{
    copy();
    Block_release(copy);
    xpc_release(conn);
  });
}

// The client side of a synchronous request, as the CLI's xpcSendRequest uses it:
// connects on first use (as this process's euid), waits for the reply.
xpc_object_t xpc_connection_send_message_with_reply_sync(xpc_connection_t connection,
                                                         xpc_object_t message) {
  Connection* conn = C(connection);
  if (conn->server_peer == nullptr) {
    conn->server_peer = ConnectToListener(conn->name, geteuid(), getegid(), getpid());
    if (conn->server_peer != nullptr) {
      std::lock_guard<std::mutex> lock(conn->server_peer->pushed_mutex);
      conn->server_peer->client = static_cast<Connection*>(O(xpc_retain(conn)));
    }
  }
  if (conn->server_peer == nullptr) {
    return const_cast<_xpc_dictionary_s*>(&_xpc_error_connection_invalid);
  }
  struct Waiter {
    std::mutex mutex;
    std::condition_variable cv;
    xpc_object_t reply = nullptr;
  };
  auto waiter = std::make_shared<Waiter>();
  xpc_object_t copy = xpc_dictionary_create(nullptr, nullptr, 0);
  xpc_dictionary_apply(message, ^bool(const char* key, xpc_object_t value) {
    xpc_dictionary_set_value(copy, key, value);
    return true;
  });
  O(copy)->reply_to = [waiter](xpc_object_t reply) {
    std::lock_guard<std::mutex> lock(waiter->mutex);
    waiter->reply = xpc_retain(reply);
    waiter->cv.notify_one();
  };
  Deliver(conn->server_peer, copy);
  xpc_release(copy);
  std::unique_lock<std::mutex> lock(waiter->mutex);
  waiter->cv.wait(lock, [&waiter] { return waiter->reply != nullptr; });
  return waiter->reply;
}

xpc_object_t xpc_dictionary_create_reply(xpc_object_t original) {
  if (!O(original)->reply_to) return nullptr;
  xpc_object_t reply = xpc_dictionary_create(nullptr, nullptr, 0);
  O(reply)->reply_to = O(original)->reply_to;
  return reply;
}

uid_t xpc_connection_get_euid(xpc_connection_t connection) {
  return C(connection)->euid;
}
gid_t xpc_connection_get_egid(xpc_connection_t connection) {
  return C(connection)->egid;
}
pid_t xpc_connection_get_pid(xpc_connection_t connection) { return C(connection)->pid; }
void xpc_connection_set_context(xpc_connection_t connection, void* context) {
  C(connection)->context = context;
}
void* xpc_connection_get_context(xpc_connection_t connection) {
  return C(connection)->context;
}
void xpc_connection_set_finalizer_f(xpc_connection_t connection,
                                    xpc_finalizer_t finalizer) {
  C(connection)->finalizer = finalizer;
}

}  // extern "C"

// --- for tests (declared in fake_xpc_object.h) ---

namespace fake_xpc {

int open_transactions_now() { return open_transactions.load(); }

bool listening(const char* name) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  return listeners.count(name) != 0;
}

xpc_object_t connect(const char* name, uid_t euid, gid_t egid, pid_t pid) {
  return ConnectToListener(name, euid, egid, pid);
}

void send(xpc_object_t peer, xpc_object_t message,
          std::function<void(xpc_object_t)> reply_to) {
  O(message)->reply_to = std::move(reply_to);
  Deliver(C(peer), message);
  xpc_release(message);
}

void drop(xpc_object_t peer) { Invalidate(C(peer)); }

std::vector<xpc_object_t> take_pushed(xpc_object_t peer) {
  Connection* conn = C(peer);
  std::lock_guard<std::mutex> lock(conn->pushed_mutex);
  std::vector<xpc_object_t> out;
  out.swap(conn->pushed);
  return out;
}

void stall(xpc_object_t peer, bool stalled) {
  Connection* conn = C(peer);
  std::vector<dispatch_block_t> release;
  {
    std::lock_guard<std::mutex> lock(conn->pushed_mutex);
    conn->stalled = stalled;
    if (!stalled) release.swap(conn->held_barriers);
  }
  for (dispatch_block_t barrier : release) {
    barrier();
    Block_release(barrier);
  }
}

}  // namespace fake_xpc
