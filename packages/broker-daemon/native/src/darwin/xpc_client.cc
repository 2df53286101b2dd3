// SPDX-License-Identifier: Apache-2.0
#include "xpc_client.h"

#include <dispatch/dispatch.h>
#include <xpc/xpc.h>

#include <memory>
#include <mutex>
#include <string>

#include "xpc_value.h"

namespace vmnet_broker_darwin {
namespace {

const napi_type_tag kSessionTag = {0x7d21c9e04ab35f16ULL, 0x93e8a0b25c41d77fULL};

// What the broker sends a session unasked (subscription events), or the
// connection's end, on its way to JavaScript. Owns its retained message.
struct Incoming {
  xpc_object_t message = nullptr;  // a dictionary, or nullptr for an error
  std::string error;
  ~Incoming() {
    if (message != nullptr) xpc_release(message);
  }
};

void CallIncoming(Napi::Env env, Napi::Function callback, std::nullptr_t*,
                  Incoming* incoming);
using IncomingFunction =
    Napi::TypedThreadSafeFunction<std::nullptr_t, Incoming, CallIncoming>;

// Shared by the session and its connection's event handler: posts until closed.
class IncomingSink {
 public:
  explicit IncomingSink(IncomingFunction function) : function_(function) {}

  void Post(Incoming* incoming) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (released_ || function_.NonBlockingCall(incoming) != napi_ok) delete incoming;
  }

  // After this, nothing reaches JavaScript and Node may exit.
  void Release() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (released_) return;
    released_ = true;
    function_.Release();
  }

 private:
  std::mutex mutex_;
  bool released_ = false;
  IncomingFunction function_;
};

void CallIncoming(Napi::Env env, Napi::Function callback, std::nullptr_t*,
                  Incoming* incoming) {
  std::unique_ptr<Incoming> owned(incoming);
  if (static_cast<napi_env>(env) == nullptr || callback.IsEmpty())
    return;  // tearing down
  Napi::Object out = Napi::Object::New(env);
  if (incoming->message != nullptr) {
    out.Set("type", "message");
    out.Set("message", XpcToJs(env, incoming->message));
  } else {
    out.Set("type", "error");
    out.Set("message", incoming->error);
  }
  callback.Call({out});
}

// One connection to the broker. Workers retain the connection while they use
// it, so closing during a send is safe: the send then fails with an XPC error.
struct Session {
  std::string service;
  std::mutex mutex;
  xpc_connection_t connection = nullptr;  // nullptr once closed
  std::shared_ptr<IncomingSink> sink;     // set when the caller takes messages

  xpc_connection_t Retained() {
    std::lock_guard<std::mutex> lock(mutex);
    return connection == nullptr
               ? nullptr
               : static_cast<xpc_connection_t>(xpc_retain(connection));
  }

  void Close() {
    xpc_connection_t closing;
    {
      std::lock_guard<std::mutex> lock(mutex);
      closing = connection;
      connection = nullptr;
    }
    if (sink != nullptr) sink->Release();
    if (closing == nullptr) return;
    xpc_connection_cancel(closing);
    xpc_release(closing);
  }
};

// With a sink, messages the broker sends unasked and the connection's end go
// to it; without one they are ignored (errors also come back as each send's reply).
Session* OpenSession(const std::string& service,
                     std::shared_ptr<IncomingSink> sink = nullptr) {
  auto* session = new Session{service, {}, nullptr, sink};
  dispatch_queue_t queue = dispatch_queue_create("com.github.nirs.vmnet-broker.client",
                                                 DISPATCH_QUEUE_SERIAL);
  session->connection = xpc_connection_create_mach_service(service.c_str(), queue, 0);
  dispatch_release(queue);  // the connection keeps its target queue
  xpc_connection_set_event_handler(session->connection, ^(xpc_object_t event) {
    if (sink == nullptr) return;
    auto* incoming = new Incoming();
    if (xpc_get_type(event) == XPC_TYPE_DICTIONARY) {
      incoming->message = xpc_retain(event);
    } else if (event == XPC_ERROR_CONNECTION_INVALID) {
      incoming->error =
          "XPC_ERROR_CONNECTION_INVALID (the broker closed the connection)";
    } else if (event == XPC_ERROR_CONNECTION_INTERRUPTED) {
      incoming->error = "XPC_ERROR_CONNECTION_INTERRUPTED (the broker exited)";
    } else {
      delete incoming;  // nothing a subscriber needs
      return;
    }
    sink->Post(incoming);
  });
  xpc_connection_resume(session->connection);
  return session;
}

class SendWorker : public Napi::AsyncWorker {
 public:
  // Takes ownership of connection (retained) and message; close_after for the
  // one-shot request.
  SendWorker(Napi::Env env, std::string service, xpc_connection_t connection,
             xpc_object_t message, Session* close_after)
      : Napi::AsyncWorker(env, "vmnet-broker:xpc-request"),
        deferred_(Napi::Promise::Deferred::New(env)),
        service_(std::move(service)),
        connection_(connection),
        message_(message),
        close_after_(close_after) {}

  ~SendWorker() override {
    if (message_ != nullptr) xpc_release(message_);
    if (reply_ != nullptr) xpc_release(reply_);
    if (connection_ != nullptr) xpc_release(connection_);
    if (close_after_ != nullptr) {
      close_after_->Close();
      delete close_after_;
    }
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  // On a libuv worker thread: the synchronous send blocks only this thread.
  void Execute() override {
    const std::string call =
        "xpc_connection_send_message_with_reply_sync to " + service_;
    if (connection_ == nullptr) {
      SetError(call + " failed: the session is closed");
      return;
    }
    xpc_object_t reply =
        xpc_connection_send_message_with_reply_sync(connection_, message_);
    if (reply == nullptr) {
      SetError(call + " returned no reply");
      return;
    }
    if (xpc_get_type(reply) == XPC_TYPE_ERROR) {
      const char* description =
          xpc_dictionary_get_string(reply, XPC_ERROR_KEY_DESCRIPTION);
      std::string why = reply == XPC_ERROR_CONNECTION_INVALID
                            ? "XPC_ERROR_CONNECTION_INVALID (is the broker installed?)"
                            : (description != nullptr ? description : "XPC error");
      xpc_release(reply);
      SetError(call + " failed: " + why);
      return;
    }
    reply_ = reply;
  }

  void OnOK() override { deferred_.Resolve(XpcToJs(Env(), reply_)); }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::string service_;
  xpc_connection_t connection_;
  xpc_object_t message_;
  Session* close_after_;
  xpc_object_t reply_ = nullptr;
};

// The message argument as a retained XPC dictionary, or nullptr after throwing.
xpc_object_t MessageArgument(Napi::Env env, Napi::Value value, const char* usage) {
  xpc_object_t message = JsToXpc(env, value, "message");
  if (message == nullptr) return nullptr;
  if (xpc_get_type(message) != XPC_TYPE_DICTIONARY) {
    xpc_release(message);
    Napi::TypeError::New(env, std::string(usage) + ": the message must be a dictionary")
        .ThrowAsJavaScriptException();
    return nullptr;
  }
  return message;
}

Session* SessionArgument(Napi::Value value, const char* usage) {
  if (!value.IsExternal() ||
      !value.As<Napi::External<Session>>().CheckTypeTag(&kSessionTag)) {
    Napi::TypeError::New(value.Env(),
                         std::string(usage) + ": not a session from xpcOpen")
        .ThrowAsJavaScriptException();
    return nullptr;
  }
  return value.As<Napi::External<Session>>().Data();
}

}  // namespace

Napi::Value XpcOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString() ||
      (info.Length() > 1 && !info[1].IsUndefined() && !info[1].IsFunction())) {
    Napi::TypeError::New(
        env, "usage: xpcOpen(serviceName: string, onIncoming?: (incoming) => void)")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::shared_ptr<IncomingSink> sink;
  if (info.Length() > 1 && info[1].IsFunction()) {
    // Keeps Node running until the session closes: a subscriber waits for events.
    sink = std::make_shared<IncomingSink>(IncomingFunction::New(
        env, info[1].As<Napi::Function>(), "vmnet-broker:xpc-incoming", 0, 1));
  }
  Session* session = OpenSession(info[0].As<Napi::String>().Utf8Value(), sink);
  auto handle = Napi::External<Session>::New(env, session, [](Napi::Env, Session* s) {
    s->Close();
    delete s;
  });
  handle.TypeTag(&kSessionTag);
  return handle;
}

Napi::Value XpcSend(const Napi::CallbackInfo& info) {
  const char* usage = "usage: xpcSend(session, {type: \"dictionary\", entries})";
  Napi::Env env = info.Env();
  Session* session = SessionArgument(info[0], usage);
  if (session == nullptr) return env.Undefined();
  xpc_object_t message = MessageArgument(env, info[1], usage);
  if (message == nullptr) return env.Undefined();
  auto* worker =
      new SendWorker(env, session->service, session->Retained(), message, nullptr);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value XpcClose(const Napi::CallbackInfo& info) {
  Session* session = SessionArgument(info[0], "usage: xpcClose(session)");
  if (session != nullptr) session->Close();
  return info.Env().Undefined();
}

Napi::Value XpcSendRequest(const Napi::CallbackInfo& info) {
  const char* usage =
      "usage: xpcSendRequest(serviceName: string, {type: \"dictionary\", entries})";
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString()) {
    Napi::TypeError::New(env, usage).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  xpc_object_t message = MessageArgument(env, info[1], usage);
  if (message == nullptr) return env.Undefined();
  Session* session = OpenSession(info[0].As<Napi::String>().Utf8Value());
  auto* worker =
      new SendWorker(env, session->service, session->Retained(), message, session);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace vmnet_broker_darwin
