#include "xpc_client.h"

#include <dispatch/dispatch.h>
#include <xpc/xpc.h>

#include <string>

#include "xpc_value.h"

namespace vmnet_broker_darwin {
namespace {

class SendRequestWorker : public Napi::AsyncWorker {
 public:
  SendRequestWorker(Napi::Env env, std::string service, xpc_object_t message)
      : Napi::AsyncWorker(env, "vmnet-broker:xpc-request"),
        deferred_(Napi::Promise::Deferred::New(env)),
        service_(std::move(service)),
        message_(message) {}

  ~SendRequestWorker() override {
    if (message_ != nullptr) xpc_release(message_);
    if (reply_ != nullptr) xpc_release(reply_);
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  // On a libuv worker thread: the synchronous send blocks only this thread.
  void Execute() override {
    dispatch_queue_t queue = dispatch_queue_create(
        "com.github.nirs.vmnet-broker.client", DISPATCH_QUEUE_SERIAL);
    xpc_connection_t connection =
        xpc_connection_create_mach_service(service_.c_str(), queue, 0);
    // Required before resume; errors come back as the reply below.
    xpc_connection_set_event_handler(connection, ^(xpc_object_t){
                                     });
    xpc_connection_resume(connection);
    xpc_object_t reply =
        xpc_connection_send_message_with_reply_sync(connection, message_);
    xpc_connection_cancel(connection);
    xpc_release(connection);
    dispatch_release(queue);
    if (reply == nullptr) {
      SetError("xpc_connection_send_message_with_reply_sync to " + service_ +
               " returned no reply");
      return;
    }
    if (xpc_get_type(reply) == XPC_TYPE_ERROR) {
      const char* description =
          xpc_dictionary_get_string(reply, XPC_ERROR_KEY_DESCRIPTION);
      std::string why = reply == XPC_ERROR_CONNECTION_INVALID
                            ? "XPC_ERROR_CONNECTION_INVALID (is the broker installed?)"
                            : (description != nullptr ? description : "XPC error");
      xpc_release(reply);
      SetError("xpc_connection_send_message_with_reply_sync to " + service_ +
               " failed: " + why);
      return;
    }
    reply_ = reply;
  }

  void OnOK() override { deferred_.Resolve(XpcToJs(Env(), reply_)); }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::string service_;
  xpc_object_t message_;
  xpc_object_t reply_ = nullptr;
};

}  // namespace

Napi::Value XpcSendRequest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString()) {
    Napi::TypeError::New(
        env,
        "usage: xpcSendRequest(serviceName: string, {type: \"dictionary\", entries})")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string service = info[0].As<Napi::String>().Utf8Value();
  xpc_object_t message = JsToXpc(env, info[1], "message");
  if (message == nullptr) return env.Undefined();
  if (xpc_get_type(message) != XPC_TYPE_DICTIONARY) {
    xpc_release(message);
    Napi::TypeError::New(env, "xpcSendRequest: the message must be a dictionary")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto* worker = new SendRequestWorker(env, std::move(service), message);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace vmnet_broker_darwin
