// SPDX-License-Identifier: Apache-2.0
#include "listener.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "errors.h"
#include "js_callback.h"
#include "socket_ops.h"

namespace vmnet_broker {
namespace {

constexpr const char* kUsage = "new Listener(fd: number, onConnection: Function, onError: Function)";
// Accepts per readiness event, so one busy listener cannot starve the loop.
constexpr int kAcceptBurst = 64;

constexpr uint64_t kResumeAfterMs = 100;

void DeletePoll(uv_handle_t* handle) { delete reinterpret_cast<uv_poll_t*>(handle); }
void DeleteTimer(uv_handle_t* handle) { delete reinterpret_cast<uv_timer_t*>(handle); }

int AcceptOne(int listenFd, int* out) {
  int fd;
  do {
#if defined(__linux__)
    fd = accept4(listenFd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
    fd = accept(listenFd, nullptr, nullptr);
#endif
  } while (fd < 0 && (errno == EINTR || errno == ECONNABORTED));
  if (fd < 0) return errno;
#if !defined(__linux__)
  int err = MakeNonBlockingCloexec(fd);
  if (err != 0) {
    close(fd);
    return err;
  }
#endif
  *out = fd;
  return 0;
}

}  // namespace

Napi::Function Listener::Define(Napi::Env env) {
  return DefineClass(env, "Listener", {InstanceMethod<&Listener::Close>("close")});
}

Listener::Listener(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Listener>(info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0, kUsage);
  Napi::Function onConnection = ArgFunction(info, 1, kUsage);
  Napi::Function onError = ArgFunction(info, 2, kUsage);
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    throw Napi::Error::New(env, "napi_get_uv_event_loop failed");
  }
  auto* poll = new uv_poll_t;
  int rc = uv_poll_init(loop, poll, fd);
  if (rc != 0) {
    delete poll;
    throw SyscallError(env, "uv_poll_init", -rc, "fd " + std::to_string(fd));
  }
  poll->data = this;
  rc = uv_poll_start(poll, UV_READABLE, &Listener::OnPoll);
  if (rc != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(poll), DeletePoll);
    throw SyscallError(env, "uv_poll_start", -rc, "fd " + std::to_string(fd));
  }
  auto* timer = new uv_timer_t;
  uv_timer_init(loop, timer);
  timer->data = this;
  uv_unref(reinterpret_cast<uv_handle_t*>(timer));  // never keeps the process alive
  fd_ = fd;
  poll_ = poll;
  resumeTimer_ = timer;
  onConnection_ = Napi::Persistent(onConnection);
  onError_ = Napi::Persistent(onError);
  asyncContext_ = std::make_unique<Napi::AsyncContext>(env, "vmnet-broker:Listener", Value());
  Ref();  // alive while listening, even if JavaScript drops it
}

Listener::~Listener() { Shutdown(); }

void Listener::Shutdown() {
  if (poll_ == nullptr) return;
  uv_poll_stop(poll_);
  poll_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(poll_), DeletePoll);
  poll_ = nullptr;
  uv_timer_stop(resumeTimer_);
  resumeTimer_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(resumeTimer_), DeleteTimer);
  resumeTimer_ = nullptr;
  close(fd_);
  fd_ = -1;
}

Napi::Value Listener::Close(const Napi::CallbackInfo& info) {
  if (poll_ != nullptr) {
    Shutdown();
    onConnection_.Reset();
    onError_.Reset();
    Unref();
  }
  return info.Env().Undefined();
}

void Listener::OnPoll(uv_poll_t* handle, int status, int /*events*/) {
  auto* self = static_cast<Listener*>(handle->data);
  if (self == nullptr) return;
  if (status < 0) {
    self->ReportError("poll", -status);
    return;
  }
  self->AcceptReady();
}

void Listener::AcceptReady() {
  Napi::Env env = Env();
  Napi::HandleScope outer(env);
  [[maybe_unused]] Napi::Object keepAlive = Value();  // a callback may close and drop this listener
  for (int i = 0; i < kAcceptBurst && poll_ != nullptr; i++) {
    int fd = -1;
    int err = AcceptOne(fd_, &fd);
    if (err == EAGAIN || err == EWOULDBLOCK) return;
    if (err != 0) {
      if (err == EMFILE || err == ENFILE) PauseAfterFdExhaustion();
      ReportError("accept4", err);
      return;
    }
    Credentials creds;
    err = ReadPeerCredentials(fd, &creds);
    if (err != 0) {
      close(fd);
      ReportError("getsockopt(SO_PEERCRED)", err);
      continue;
    }
    Napi::HandleScope scope(env);
    CallFromLoop(env, Value(), onConnection_, *asyncContext_,
                 {Napi::Number::New(env, fd), CredentialsToObject(env, creds)});
  }
}

void Listener::ReportError(const char* syscall, int err) {
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  CallFromLoop(env, Value(), onError_, *asyncContext_, {SyscallError(env, syscall, err).Value()});
}

}  // namespace vmnet_broker

namespace vmnet_broker {

void Listener::PauseAfterFdExhaustion() {
  uv_poll_stop(poll_);
  uv_timer_start(resumeTimer_, &Listener::OnResumeTimer, kResumeAfterMs, 0);
}

void Listener::OnResumeTimer(uv_timer_t* timer) {
  auto* self = static_cast<Listener*>(timer->data);
  if (self == nullptr || self->poll_ == nullptr) return;
  uv_poll_start(self->poll_, UV_READABLE, &Listener::OnPoll);
}

}  // namespace vmnet_broker
