// SPDX-License-Identifier: Apache-2.0
#include "xpc_listener.h"

#include <dispatch/dispatch.h>
#include <xpc/xpc.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "xpc_value.h"

namespace vmnet_broker_darwin {
namespace {

const napi_type_tag kReplyTag = {0x51d0a7c3e98b2f64ULL, 0x0f4e6a2d7c1b3958ULL};
const napi_type_tag kListenerTag = {0x9c27e04b5a1d3f86ULL, 0xb3d8f1026e4a7c95ULL};

// One event on its way from the dispatch queue to JavaScript. It owns the XPC
// references it holds until CallJs has converted them.
struct Event {
  enum Kind { kConnect, kMessage, kDisconnect, kError };
  explicit Event(Kind k) : kind(k) {}
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  Kind kind;
  uint32_t peer = 0;
  uid_t euid = 0;
  gid_t egid = 0;
  pid_t pid = 0;
  xpc_object_t message = nullptr;  // retained; released after conversion
  xpc_object_t reply =
      nullptr;  // from xpc_dictionary_create_reply; owned by the reply handle
  xpc_connection_t connection = nullptr;  // retained for sending the reply
  std::string text;

  ~Event() {
    if (message != nullptr) xpc_release(message);
    if (reply != nullptr) xpc_release(reply);
    if (connection != nullptr) xpc_release(connection);
  }
};

// A reply waiting for JavaScript: sent at most once, released when sent or
// when the handle is garbage collected.
struct PendingReply {
  xpc_object_t reply;
  xpc_connection_t connection;

  void Drop() {
    if (reply != nullptr) xpc_release(reply);
    if (connection != nullptr) xpc_release(connection);
    reply = nullptr;
    connection = nullptr;
  }
};

void CallJs(Napi::Env env, Napi::Function callback, std::nullptr_t*, Event* event);
using EventFunction = Napi::TypedThreadSafeFunction<std::nullptr_t, Event, CallJs>;

// The per-peer context (xpc_connection_set_context), freed by the connection's
// finalizer once XPC is done with it.
struct PeerContext {
  uint32_t id;
  bool transaction_open;
};

void FreePeerContext(void* context) { delete static_cast<PeerContext*>(context); }

// A peer connection as the listener keeps it: retained, with the bytes of
// pushed messages XPC has not sent yet (a send barrier after each counts it down).
struct PeerOut {
  xpc_connection_t connection = nullptr;
  std::shared_ptr<std::atomic<int64_t>> unsent;
};

// Shared by the JavaScript listener object and every block on the queue, so it
// lives until the last of them is gone.
class ListenerState {
 public:
  ListenerState(EventFunction events, dispatch_queue_t queue)
      : events_(events), queue_(queue) {}

  ~ListenerState() { dispatch_release(queue_); }

  dispatch_queue_t queue() const { return queue_; }

  // Hands an event to JavaScript, or drops it once the listener is closed.
  void Post(Event* event) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (released_ || events_.NonBlockingCall(event) != napi_ok) delete event;
  }

  // On the queue: a new peer connection.
  void Accept(const std::shared_ptr<ListenerState>& self, xpc_connection_t peer) {
    if (closed_) {
      xpc_connection_cancel(peer);
      return;
    }
    auto* context = new PeerContext{next_peer_++, true};
    xpc_connection_set_context(peer, context);
    xpc_connection_set_finalizer_f(peer, FreePeerContext);
    peers_[context->id] = PeerOut{static_cast<xpc_connection_t>(xpc_retain(peer)),
                                  std::make_shared<std::atomic<int64_t>>(0)};
    // launchd must not kill the job while a peer holds networks.
    xpc_transaction_begin();

    auto* event = new Event(Event::kConnect);
    event->peer = context->id;
    event->euid = xpc_connection_get_euid(peer);  // identity
    event->egid = xpc_connection_get_egid(peer);
    event->pid = xpc_connection_get_pid(peer);  // logs only: pids are reused
    Post(event);

    xpc_connection_set_target_queue(peer, queue_);
    std::shared_ptr<ListenerState> keep =
        self;  // a copy, so the block owns a reference
    xpc_connection_set_event_handler(peer, ^(xpc_object_t message) {
      keep->OnPeerEvent(peer, message);
    });
    xpc_connection_resume(peer);
  }

  // On the queue: a message or an error on one peer connection. The block
  // owning this call belongs to the connection, so peer is alive here.
  void OnPeerEvent(xpc_connection_t peer, xpc_object_t message) {
    auto* context = static_cast<PeerContext*>(xpc_connection_get_context(peer));
    if (context == nullptr) return;
    xpc_type_t type = xpc_get_type(message);
    if (type == XPC_TYPE_DICTIONARY) {
      auto* event = new Event(Event::kMessage);
      event->peer = context->id;
      event->message = xpc_retain(message);
      event->reply =
          xpc_dictionary_create_reply(message);  // NULL when no reply is expected
      event->connection = static_cast<xpc_connection_t>(xpc_retain(peer));
      Post(event);
      return;
    }
    if (message == XPC_ERROR_CONNECTION_INVALID) {
      Disconnect(peer, context);
      return;
    }
    // XPC_ERROR_CONNECTION_INTERRUPTED does not happen on peer connections and
    // XPC_ERROR_TERMINATION_IMMINENT needs no action: the broker drains on SIGTERM.
  }

  // On the queue: the peer is gone (exit, crash, close, or our cancel).
  void Disconnect(xpc_connection_t peer, PeerContext* context) {
    if (!context->transaction_open) return;
    context->transaction_open = false;
    xpc_transaction_end();
    auto it = peers_.find(context->id);
    if (it != peers_.end()) {
      xpc_release(it->second.connection);
      peers_.erase(it);
    }
    auto* event = new Event(Event::kDisconnect);
    event->peer = context->id;
    Post(event);
    xpc_connection_cancel(peer);
  }

  // On the queue: the listener's own events.
  void OnListenerEvent(const std::shared_ptr<ListenerState>& self, xpc_object_t event) {
    if (xpc_get_type(event) == XPC_TYPE_CONNECTION) {
      Accept(self, static_cast<xpc_connection_t>(event));
      return;
    }
    if (closed_ && event == XPC_ERROR_CONNECTION_INVALID) return;  // our own cancel
    auto* error = new Event(Event::kError);
    const char* description =
        xpc_get_type(event) == XPC_TYPE_ERROR
            ? xpc_dictionary_get_string(event, XPC_ERROR_KEY_DESCRIPTION)
            : nullptr;
    error->text = std::string("XPC listener error: ") +
                  (description != nullptr ? description : "unknown event");
    Post(error);
  }

  void Start(const std::shared_ptr<ListenerState>& self, const std::string& service) {
    listener_ = xpc_connection_create_mach_service(
        service.c_str(), queue_, XPC_CONNECTION_MACH_SERVICE_LISTENER);
    std::shared_ptr<ListenerState> keep =
        self;  // a copy, so the block owns a reference
    xpc_connection_set_event_handler(listener_, ^(xpc_object_t event) {
      keep->OnListenerEvent(keep, event);
    });
    xpc_connection_resume(listener_);
  }

  // From JavaScript: sends body (not consumed) to one peer, unasked. Returns the
  // bytes pushed to it and not yet sent, this message's included; 0 without
  // such a peer. XPC sends are thread-safe; the peer table is the queue's.
  int64_t Push(uint32_t id, xpc_object_t body, int64_t bytes) {
    PeerOut found;
    PeerOut* out = &found;
    dispatch_sync(queue_, ^{
      if (closed_) return;
      auto it = peers_.find(id);
      if (it == peers_.end()) return;
      out->connection =
          static_cast<xpc_connection_t>(xpc_retain(it->second.connection));
      out->unsent = it->second.unsent;
    });
    if (found.connection == nullptr) return 0;
    const int64_t unsent = found.unsent->fetch_add(bytes) + bytes;
    xpc_connection_send_message(found.connection, body);
    // Runs once every message sent before it has left: a peer that does not
    // read fills its port, and its count only grows.
    std::shared_ptr<std::atomic<int64_t>> counter = found.unsent;
    xpc_connection_send_barrier(found.connection, ^{
      counter->fetch_sub(bytes);
    });
    xpc_release(found.connection);
    return unsent;
  }

  // From JavaScript: cancels one peer; its disconnect follows on the queue.
  void DropPeer(const std::shared_ptr<ListenerState>& self, uint32_t id) {
    std::shared_ptr<ListenerState> keep = self;  // the block owns a reference
    dispatch_async(queue_, ^{
      auto it = keep->peers_.find(id);
      if (it != keep->peers_.end()) xpc_connection_cancel(it->second.connection);
    });
  }

  // From JavaScript: stop accepting, cancel every peer, and let Node exit.
  void Close() {
    dispatch_sync(queue_, ^{
      if (closed_) return;
      closed_ = true;
      if (listener_ != nullptr) {
        xpc_connection_cancel(listener_);
        xpc_release(listener_);
        listener_ = nullptr;
      }
      for (auto& entry : peers_) xpc_connection_cancel(entry.second.connection);
    });
    std::lock_guard<std::mutex> lock(mutex_);
    if (!released_) {
      released_ = true;
      events_.Release();
    }
  }

 private:
  EventFunction events_;
  std::mutex mutex_;  // guards released_ and events_ calls
  bool released_ = false;
  dispatch_queue_t queue_;
  // Touched only on queue_:
  xpc_connection_t listener_ = nullptr;
  bool closed_ = false;
  uint32_t next_peer_ = 1;
  std::unordered_map<uint32_t, PeerOut> peers_;
};

struct ListenerBox {
  std::shared_ptr<ListenerState> state;
};

Napi::Value MakeReplyHandle(Napi::Env env, Event* event) {
  if (event->reply == nullptr) return env.Null();
  auto* pending = new PendingReply{event->reply, event->connection};
  event->reply = nullptr;  // moved into the handle
  event->connection = nullptr;
  auto handle =
      Napi::External<PendingReply>::New(env, pending, [](Napi::Env, PendingReply* p) {
        p->Drop();
        delete p;
      });
  handle.TypeTag(&kReplyTag);
  return handle;
}

void CallJs(Napi::Env env, Napi::Function callback, std::nullptr_t*, Event* event) {
  std::unique_ptr<Event> owned(event);
  if (static_cast<napi_env>(env) == nullptr || callback.IsEmpty())
    return;  // tearing down
  Napi::Object out = Napi::Object::New(env);
  out.Set("peer", Napi::Number::New(env, event->peer));
  switch (event->kind) {
    case Event::kConnect:
      out.Set("type", "connect");
      out.Set("euid", Napi::Number::New(env, event->euid));
      out.Set("egid", Napi::Number::New(env, event->egid));
      out.Set("pid", Napi::Number::New(env, event->pid));
      break;
    case Event::kMessage:
      out.Set("type", "message");
      out.Set("message", XpcToJs(env, event->message));
      out.Set("reply", MakeReplyHandle(env, event));
      break;
    case Event::kDisconnect:
      out.Set("type", "disconnect");
      break;
    case Event::kError:
      out.Set("type", "error");
      out.Set("message", event->text);
      break;
  }
    // owned's destructor releases the message: it has been converted. The
    // JavaScript side catches its own errors; one that escapes is rethrown to
    // Node as an uncaught exception, as for any callback.
#ifdef NAPI_CPP_EXCEPTIONS
  try {
    callback.Call({out});
  } catch (const Napi::Error& error) {
    error.ThrowAsJavaScriptException();
  }
#else
  callback.Call({out});
#endif
}

// The listener object's state, or nullptr with a TypeError thrown.
ListenerBox* BoxOf(const Napi::CallbackInfo& info, const char* method) {
  Napi::Value self = info.This();
  Napi::Value box_value =
      self.IsObject() ? self.As<Napi::Object>().Get("handle") : info.Env().Undefined();
  if (!box_value.IsExternal() ||
      !box_value.As<Napi::External<ListenerBox>>().CheckTypeTag(&kListenerTag)) {
    Napi::TypeError::New(
        info.Env(),
        std::string(method) + "() must be called on a listener from xpcListen")
        .ThrowAsJavaScriptException();
    return nullptr;
  }
  return box_value.As<Napi::External<ListenerBox>>().Data();
}

// A peer id as the connect event gave it; false with a TypeError otherwise.
bool PeerIdOf(Napi::Env env, Napi::Value value, const char* usage, uint32_t* id) {
  if (!value.IsNumber()) {
    Napi::TypeError::New(env, usage).ThrowAsJavaScriptException();
    return false;
  }
  const double n = value.As<Napi::Number>().DoubleValue();
  if (!(n >= 1 && n <= 4294967295.0) ||
      n != static_cast<double>(static_cast<uint32_t>(n))) {
    Napi::TypeError::New(env, usage).ThrowAsJavaScriptException();
    return false;
  }
  *id = static_cast<uint32_t>(n);
  return true;
}

Napi::Value CloseListener(const Napi::CallbackInfo& info) {
  ListenerBox* box = BoxOf(info, "close");
  if (box != nullptr) box->state->Close();
  return info.Env().Undefined();
}

const char kPushUsage[] =
    "usage: listener.push(peer: number from a connect event, {type: \"dictionary\", "
    "entries}, bytes: number >= 0)";

Napi::Value PushToPeer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ListenerBox* box = BoxOf(info, "push");
  if (box == nullptr) return env.Undefined();
  uint32_t id = 0;
  if (info.Length() < 3 || !PeerIdOf(env, info[0], kPushUsage, &id))
    return env.Undefined();
  const double bytes =
      info[2].IsNumber() ? info[2].As<Napi::Number>().DoubleValue() : -1;
  if (!(bytes >= 0 && bytes <= 9007199254740991.0)) {
    Napi::TypeError::New(env, kPushUsage).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  xpc_object_t body = JsToXpc(env, info[1], "push");
  if (body == nullptr) return env.Undefined();
  if (xpc_get_type(body) != XPC_TYPE_DICTIONARY) {
    xpc_release(body);
    Napi::TypeError::New(env, "listener.push: the message must be a dictionary")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const int64_t unsent = box->state->Push(id, body, static_cast<int64_t>(bytes));
  xpc_release(body);
  return Napi::Number::New(env, static_cast<double>(unsent));
}

Napi::Value DropPeer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ListenerBox* box = BoxOf(info, "dropPeer");
  if (box == nullptr) return env.Undefined();
  uint32_t id = 0;
  if (info.Length() < 1 ||
      !PeerIdOf(env, info[0],
                "usage: listener.dropPeer(peer: number from a connect event)", &id)) {
    return env.Undefined();
  }
  box->state->DropPeer(box->state, id);
  return env.Undefined();
}

}  // namespace

Napi::Value XpcListen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsFunction()) {
    Napi::TypeError::New(
        env, "usage: xpcListen(serviceName: string, onEvent: (event) => void)")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const std::string service = info[0].As<Napi::String>().Utf8Value();
  if (service.empty() || service.find('\0') != std::string::npos) {
    Napi::TypeError::New(
        env, "xpcListen: serviceName must be a non-empty string without NUL")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  EventFunction events =
      EventFunction::New(env, info[1].As<Napi::Function>(), "vmnet-broker:xpc", 0, 1);
  // A private serial queue: the listener and every peer deliver here, in order.
  dispatch_queue_t queue =
      dispatch_queue_create("com.github.nirs.vmnet-broker.xpc", DISPATCH_QUEUE_SERIAL);
  auto state = std::make_shared<ListenerState>(events, queue);
  state->Start(state, service);

  Napi::Object listener = Napi::Object::New(env);
  auto box = Napi::External<ListenerBox>::New(env, new ListenerBox{state},
                                              [](Napi::Env, ListenerBox* b) {
                                                b->state->Close();
                                                delete b;
                                              });
  box.TypeTag(&kListenerTag);
  listener.Set("handle", box);
  listener.Set("close", Napi::Function::New(env, CloseListener, "close"));
  listener.Set("push", Napi::Function::New(env, PushToPeer, "push"));
  listener.Set("dropPeer", Napi::Function::New(env, DropPeer, "dropPeer"));
  return listener;
}

Napi::Value XpcReply(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsExternal() ||
      !info[0].As<Napi::External<PendingReply>>().CheckTypeTag(&kReplyTag)) {
    Napi::TypeError::New(env,
                         "usage: xpcReply(replyHandle from a message event, {type: "
                         "\"dictionary\", entries})")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  PendingReply* pending = info[0].As<Napi::External<PendingReply>>().Data();
  if (pending->reply == nullptr) {
    Napi::Error::New(env, "xpcReply: this message was already answered")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  xpc_object_t body = JsToXpc(env, info[1], "reply");
  if (body == nullptr) return env.Undefined();
  if (xpc_get_type(body) != XPC_TYPE_DICTIONARY) {
    xpc_release(body);
    Napi::TypeError::New(env, "xpcReply: the reply must be a dictionary")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  // Copy the built entries into the reply object XPC made for this message.
  xpc_object_t reply = pending->reply;
  xpc_dictionary_apply(body, ^bool(const char* key, xpc_object_t value) {
    xpc_dictionary_set_value(reply, key, value);
    return true;
  });
  xpc_release(body);
  xpc_connection_send_message(pending->connection, reply);  // thread-safe
  pending->Drop();
  return env.Undefined();
}

}  // namespace vmnet_broker_darwin
