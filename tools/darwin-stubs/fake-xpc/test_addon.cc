// SPDX-License-Identifier: Apache-2.0
// A TEST ADDON: the real native/src/darwin/xpc_value.cc, vmnet_options.cc and
// xpc_listener.cc, linked against the fake libxpc and libdispatch, with entry
// points for test.mjs and listener.test.ts to play XPC clients. Never shipped.
#include <arpa/inet.h>
#include <napi.h>
#include <poll.h>

#include <cstdio>
#include <functional>
#include <string>
#include <utility>
#include <cstdlib>
#include <memory>
#include <thread>
#include <vector>

#include "darwin/vmnet_network.h"
#include "darwin/vmnet_options.h"
#include "darwin/xpc_client.h"
#include "darwin/xpc_listener.h"
#include "darwin/xpc_value.h"
#include "fake_xpc_object.h"
// The C client's macOS API is behind __APPLE__; this addon is built for Linux.
#define __APPLE__ 1
#include "vmnet-broker.h"
#undef __APPLE__

extern "C" long fake_xpc_live_objects(void);
extern "C" xpc_object_t fake_xpc_fd_create(void);

namespace fake_vmnet {
long live_objects();
void release_hung();
}  // namespace fake_vmnet

namespace {

using namespace vmnet_broker_darwin;

// JsToXpc then XpcToJs: what a reply would carry, read back.
Napi::Value RoundTrip(const Napi::CallbackInfo& info) {
  xpc_object_t obj = JsToXpc(info.Env(), info[0], "value");
  if (obj == nullptr) return info.Env().Undefined();
  Napi::Value out = XpcToJs(info.Env(), obj);
  xpc_release(obj);
  return out;
}

Napi::Value Wrap(const Napi::CallbackInfo& info) {
  xpc_object_t obj = JsToXpc(info.Env(), info[0], "value");
  if (obj == nullptr) return info.Env().Undefined();
  Napi::Value handle = WrapXpcObject(info.Env(), obj);
  xpc_release(obj);
  return handle;
}

Napi::Value LiveObjects(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(fake_xpc_live_objects()));
}

// A dictionary holding an fd, the way a peer could send one.
Napi::Value DictionaryWithFd(const Napi::CallbackInfo& info) {
  xpc_object_t dict = xpc_dictionary_create(nullptr, nullptr, 0);
  xpc_object_t fd = fake_xpc_fd_create();
  xpc_dictionary_set_value(dict, "fd", fd);
  xpc_release(fd);
  Napi::Value out = XpcToJs(info.Env(), dict);
  xpc_release(dict);
  return out;
}

// n dictionaries nested inside each other, built natively (JsToXpc refuses that depth).
Napi::Value NestedDictionaries(const Napi::CallbackInfo& info) {
  const int depth = info[0].As<Napi::Number>().Int32Value();
  xpc_object_t inner = xpc_string_create("bottom");
  for (int i = 0; i < depth; i++) {
    xpc_object_t dict = xpc_dictionary_create(nullptr, nullptr, 0);
    xpc_dictionary_set_value(dict, "next", inner);
    xpc_release(inner);
    inner = dict;
  }
  Napi::Value out = XpcToJs(info.Env(), inner);
  xpc_release(inner);
  return out;
}

std::string Ipv4(const struct in_addr& a) {
  char text[INET_ADDRSTRLEN] = {0};
  inet_ntop(AF_INET, &a, text, sizeof(text));
  return text;
}

Napi::Value ParseOptions(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  VmnetOptions o;
  if (!ParseVmnetOptions(env, info[0], &o)) return env.Undefined();
  Napi::Object out = Napi::Object::New(env);
  out.Set("shared", o.shared_mode);
  if (o.subnet_gateway) out.Set("gateway", Ipv4(*o.subnet_gateway));
  if (o.subnet_mask) out.Set("mask", Ipv4(*o.subnet_mask));
  if (o.ipv6_prefix) {
    char text[INET6_ADDRSTRLEN] = {0};
    inet_ntop(AF_INET6, &*o.ipv6_prefix, text, sizeof(text));
    out.Set("ipv6", std::string(text) + "/" + std::to_string(o.ipv6_prefix_length));
  }
  if (o.mtu) out.Set("mtu", *o.mtu);
  out.Set("flags", std::string(o.nat44 ? "N" : "n") + (o.nat66 ? "S" : "s") +
                       (o.dhcp ? "D" : "d") + (o.dns_proxy ? "P" : "p") +
                       (o.router_advertisement ? "R" : "r"));
  out.Set("externalInterface", o.external_interface);
  Napi::Array rules = Napi::Array::New(env);
  for (size_t i = 0; i < o.port_forwarding.size(); i++) {
    const auto& r = o.port_forwarding[i];
    rules.Set(static_cast<uint32_t>(i),
              std::to_string(r.protocol) + " " + std::to_string(r.external_port) +
                  "->" + Ipv4(r.internal) + ":" + std::to_string(r.internal_port));
  }
  out.Set("rules", rules);
  Napi::Array reservations = Napi::Array::New(env);
  for (size_t i = 0; i < o.dhcp_reservations.size(); i++) {
    const auto& r = o.dhcp_reservations[i];
    char mac[18];
    std::snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", r.mac[0], r.mac[1],
                  r.mac[2], r.mac[3], r.mac[4], r.mac[5]);
    reservations.Set(static_cast<uint32_t>(i), std::string(mac) + "=" + Ipv4(r.ip));
  }
  out.Set("reservations", reservations);
  return out;
}

// --- playing XPC clients against the real listener ---

const napi_type_tag kPeerTag = {0x1111222233334444ULL, 0x5555666677778888ULL};
std::thread::id js_thread;

struct PeerBox {
  xpc_object_t peer;
};

xpc_object_t PeerOf(Napi::Value value) {
  if (!value.IsExternal() ||
      !value.As<Napi::External<PeerBox>>().CheckTypeTag(&kPeerTag)) {
    Napi::TypeError::New(value.Env(), "not a peer from connect()")
        .ThrowAsJavaScriptException();
    return nullptr;
  }
  return value.As<Napi::External<PeerBox>>().Data()->peer;
}

Napi::Value Connect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  xpc_object_t peer = fake_xpc::connect(info[0].As<Napi::String>().Utf8Value().c_str(),
                                        info[1].As<Napi::Number>().Uint32Value(),
                                        info[2].As<Napi::Number>().Uint32Value(),
                                        info[3].As<Napi::Number>().Int32Value());
  if (peer == nullptr) return env.Null();
  auto handle =
      Napi::External<PeerBox>::New(env, new PeerBox{peer}, [](Napi::Env, PeerBox* b) {
        xpc_release(b->peer);
        delete b;
      });
  handle.TypeTag(&kPeerTag);
  return handle;
}

// Resolves with the reply's description. Replies are sent from xpcReply, on the
// JavaScript thread, which is where the promise may be resolved.
Napi::Value Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  xpc_object_t peer = PeerOf(info[0]);
  if (peer == nullptr) return env.Undefined();
  xpc_object_t message = JsToXpc(env, info[1], "message");
  if (message == nullptr) return env.Undefined();
  auto deferred = std::make_shared<Napi::Promise::Deferred>(env);
  fake_xpc::send(peer, message, [env, deferred](xpc_object_t reply) {
    if (std::this_thread::get_id() != js_thread) {
      std::fprintf(stderr, "fake xpc: a reply was sent off the JavaScript thread\n");
      std::abort();
    }
    deferred->Resolve(XpcToJs(env, reply));
  });
  return deferred->Promise();
}

Napi::Value SendNoReply(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  xpc_object_t peer = PeerOf(info[0]);
  if (peer == nullptr) return env.Undefined();
  xpc_object_t message = JsToXpc(env, info[1], "message");
  if (message == nullptr) return env.Undefined();
  fake_xpc::send(peer, message, nullptr);
  return env.Undefined();
}

Napi::Value Drop(const Napi::CallbackInfo& info) {
  xpc_object_t peer = PeerOf(info[0]);
  if (peer != nullptr) fake_xpc::drop(peer);
  return info.Env().Undefined();
}

// The messages the broker pushed to the peer since the last call, described.
Napi::Value Pushed(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  xpc_object_t peer = PeerOf(info[0]);
  if (peer == nullptr) return env.Undefined();
  std::vector<xpc_object_t> messages = fake_xpc::take_pushed(peer);
  Napi::Array out = Napi::Array::New(env, messages.size());
  for (size_t i = 0; i < messages.size(); i++) {
    out.Set(static_cast<uint32_t>(i), XpcToJs(env, messages[i]));
    xpc_release(messages[i]);
  }
  return out;
}

Napi::Value Stall(const Napi::CallbackInfo& info) {
  xpc_object_t peer = PeerOf(info[0]);
  if (peer != nullptr) fake_xpc::stall(peer, info[1].ToBoolean().Value());
  return info.Env().Undefined();
}

Napi::Value OpenTransactions(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), fake_xpc::open_transactions_now());
}

Napi::Value Listening(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(
      info.Env(), fake_xpc::listening(info[0].As<Napi::String>().Utf8Value().c_str()));
}

Napi::Value LiveVmnetObjects(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(fake_vmnet::live_objects()));
}

// packages/client-c's vmnet_broker_acquire_network, off the JavaScript thread
// (it blocks until the listener, answered from JavaScript, replies).
class ClientAcquireWorker : public Napi::AsyncWorker {
 public:
  ClientAcquireWorker(Napi::Env env, std::string name)
      : Napi::AsyncWorker(env), deferred_(env), name_(std::move(name)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    vmnet_broker_return_t status = VMNET_BROKER_INTERNAL_ERROR;
    xpc_object_t network = vmnet_broker_acquire_network(name_.c_str(), &status);
    status_ = status;
    if (network != nullptr) {
      xpc_type_t type = xpc_get_type(network);
      type_ = type == XPC_TYPE_DICTIONARY ? "dictionary"
              : type == XPC_TYPE_DATA     ? "data"
                                          : "other";
      xpc_release(network);
    }
  }
  void OnOK() override {
    Napi::Object out = Napi::Object::New(Env());
    out.Set("status", static_cast<double>(status_));
    out.Set("network", type_.empty() ? Env().Null() : Napi::String::New(Env(), type_));
    deferred_.Resolve(out);
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::string name_;
  int status_ = 0;
  std::string type_;
};

Napi::Value ClientAcquire(const Napi::CallbackInfo& info) {
  auto* worker =
      new ClientAcquireWorker(info.Env(), info[0].As<Napi::String>().Utf8Value());
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// --- packages/client-c's macOS sessions (src/darwin/session.c, leases_events.c) ---

const napi_type_tag kSessionTag = {0x9999aaaabbbbccccULL, 0xddddeeeeffff0000ULL};

// What one session call gave: numbers and strings for JavaScript.
struct CallResult {
  std::vector<std::pair<std::string, double>> numbers;
  std::vector<std::pair<std::string, std::string>> strings;
};

// Runs one blocking client call off the JavaScript thread (the scripted
// listener answers from JavaScript) and resolves with its fields.
class SessionCallWorker : public Napi::AsyncWorker {
 public:
  SessionCallWorker(Napi::Env env, std::function<CallResult()> call)
      : Napi::AsyncWorker(env), deferred_(env), call_(std::move(call)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override { result_ = call_(); }
  void OnOK() override {
    Napi::Object out = Napi::Object::New(Env());
    for (const auto& [k, v] : result_.numbers) out.Set(k, v);
    for (const auto& [k, v] : result_.strings) out.Set(k, v);
    deferred_.Resolve(out);
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::function<CallResult()> call_;
  CallResult result_;
};

vmnet_broker_session_t* SessionOf(Napi::Value value) {
  if (!value.IsExternal() ||
      !value.As<Napi::External<vmnet_broker_session_t>>().CheckTypeTag(&kSessionTag)) {
    Napi::TypeError::New(value.Env(), "not a session from clientConnect()")
        .ThrowAsJavaScriptException();
    return nullptr;
  }
  return value.As<Napi::External<vmnet_broker_session_t>>().Data();
}

Napi::Value Queue(Napi::Env env, std::function<CallResult()> call) {
  auto* worker = new SessionCallWorker(env, std::move(call));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// The call's return value, status and last error (read on the calling thread).
CallResult Outcome(int result, vmnet_broker_return_t status) {
  CallResult r;
  r.numbers.emplace_back("result", result);
  r.numbers.emplace_back("status", static_cast<double>(status));
  r.strings.emplace_back("error", vmnet_broker_last_error());
  return r;
}

Napi::Value ClientConnect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string service = info[0].As<Napi::String>().Utf8Value();
  vmnet_broker_return_t status = VMNET_BROKER_INTERNAL_ERROR;
  vmnet_broker_session_t* session = vmnet_broker_connect(service.c_str(), &status);
  if (session == nullptr) return env.Null();
  auto handle = Napi::External<vmnet_broker_session_t>::New(env, session);
  handle.TypeTag(&kSessionTag);
  return handle;
}

Napi::Value ClientClose(const Napi::CallbackInfo& info) {
  vmnet_broker_session_t* session = SessionOf(info[0]);
  if (session != nullptr) vmnet_broker_session_close(session);
  return info.Env().Undefined();
}

Napi::Value ClientWaitForLease(const Napi::CallbackInfo& info) {
  vmnet_broker_session_t* session = SessionOf(info[0]);
  if (session == nullptr) return info.Env().Undefined();
  std::string network = info[1].As<Napi::String>().Utf8Value();
  std::string mac = info[2].As<Napi::String>().Utf8Value();
  unsigned wait_ms = info[3].As<Napi::Number>().Uint32Value();
  return Queue(info.Env(), [=] {
    vmnet_broker_lease_t lease;
    vmnet_broker_return_t status = VMNET_BROKER_INTERNAL_ERROR;
    int result = vmnet_broker_session_wait_for_lease(session, network.c_str(), mac.c_str(),
                                                     wait_ms, &lease, &status);
    CallResult r = Outcome(result, status);
    if (result == 0) {
      r.strings.emplace_back("network", lease.network);
      r.strings.emplace_back("mac", lease.mac);
      r.strings.emplace_back("ip", lease.ip);
      r.strings.emplace_back("hostname", lease.hostname);
      r.numbers.emplace_back("expires", static_cast<double>(lease.expires_unix));
      std::string ipv6;
      for (unsigned i = 0; i < lease.ipv6_count; i++) ipv6 += (i ? "," : "") + std::string(lease.ipv6[i]);
      r.strings.emplace_back("ipv6", ipv6);
    }
    return r;
  });
}

Napi::Value ClientSubscribe(const Napi::CallbackInfo& info) {
  vmnet_broker_session_t* session = SessionOf(info[0]);
  if (session == nullptr) return info.Env().Undefined();
  return Queue(info.Env(), [=] {
    uint64_t next = 0;
    vmnet_broker_return_t status = VMNET_BROKER_INTERNAL_ERROR;
    int result = vmnet_broker_session_subscribe(session, &next, &status);
    CallResult r = Outcome(result, status);
    r.numbers.emplace_back("nextSequence", static_cast<double>(next));
    return r;
  });
}

// As an event loop would: poll the session's fd up to timeoutMs, then read
// what is there without waiting (read_event with 0).
Napi::Value ClientReadEvent(const Napi::CallbackInfo& info) {
  vmnet_broker_session_t* session = SessionOf(info[0]);
  if (session == nullptr) return info.Env().Undefined();
  int timeout_ms = info[1].As<Napi::Number>().Int32Value();
  return Queue(info.Env(), [=] {
    struct pollfd pfd = {vmnet_broker_session_fd(session), POLLIN, 0};
    int ready = poll(&pfd, 1, timeout_ms);
    vmnet_broker_event_t event;
    vmnet_broker_return_t status = VMNET_BROKER_INTERNAL_ERROR;
    int result = vmnet_broker_session_read_event(session, 0, &event, &status);
    CallResult r = Outcome(result, status);
    r.numbers.emplace_back("polled", ready);
    if (result == 1) {
      r.numbers.emplace_back("sequence", static_cast<double>(event.sequence));
      r.strings.emplace_back("type", vmnet_broker_event_type_name(event.type));
      r.strings.emplace_back("network", event.network);
      r.strings.emplace_back("leaseIp", event.has_lease ? event.lease.ip : "");
    }
    return r;
  });
}

Napi::Value ReleaseHungVmnet(const Napi::CallbackInfo& info) {
  fake_vmnet::release_hung();
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  js_thread = std::this_thread::get_id();
  exports.Set("xpcListen", Napi::Function::New(env, XpcListen));
  exports.Set("xpcReply", Napi::Function::New(env, XpcReply));
  exports.Set("xpcSendRequest", Napi::Function::New(env, XpcSendRequest));
  exports.Set("xpcOpen", Napi::Function::New(env, XpcOpen));
  exports.Set("xpcSend", Napi::Function::New(env, XpcSend));
  exports.Set("xpcClose", Napi::Function::New(env, XpcClose));
  exports.Set("vmnetCreateNetwork", Napi::Function::New(env, VmnetCreateNetwork));
  exports.Set("vmnetReleaseNetwork", Napi::Function::New(env, VmnetReleaseNetwork));
  exports.Set("liveVmnetObjects", Napi::Function::New(env, LiveVmnetObjects));
  exports.Set("connect", Napi::Function::New(env, Connect));
  exports.Set("send", Napi::Function::New(env, Send));
  exports.Set("sendNoReply", Napi::Function::New(env, SendNoReply));
  exports.Set("drop", Napi::Function::New(env, Drop));
  exports.Set("pushed", Napi::Function::New(env, Pushed));
  exports.Set("stall", Napi::Function::New(env, Stall));
  exports.Set("openTransactions", Napi::Function::New(env, OpenTransactions));
  exports.Set("listening", Napi::Function::New(env, Listening));
  exports.Set("roundTrip", Napi::Function::New(env, RoundTrip));
  exports.Set("wrap", Napi::Function::New(env, Wrap));
  exports.Set("liveObjects", Napi::Function::New(env, LiveObjects));
  exports.Set("dictionaryWithFd", Napi::Function::New(env, DictionaryWithFd));
  exports.Set("nestedDictionaries", Napi::Function::New(env, NestedDictionaries));
  exports.Set("parseOptions", Napi::Function::New(env, ParseOptions));
  exports.Set("clientAcquire", Napi::Function::New(env, ClientAcquire));
  exports.Set("releaseHungVmnet", Napi::Function::New(env, ReleaseHungVmnet));
  exports.Set("clientConnect", Napi::Function::New(env, ClientConnect));
  exports.Set("clientClose", Napi::Function::New(env, ClientClose));
  exports.Set("clientWaitForLease", Napi::Function::New(env, ClientWaitForLease));
  exports.Set("clientSubscribe", Napi::Function::New(env, ClientSubscribe));
  exports.Set("clientReadEvent", Napi::Function::New(env, ClientReadEvent));
  return exports;
}

}  // namespace

NODE_API_MODULE(fake_xpc_test, Init)
