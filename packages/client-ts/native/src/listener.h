// SPDX-License-Identifier: Apache-2.0
// Listener: accepts connections on a listening Unix socket, driven by libuv
// readiness, and reports each with the peer's credentials (SO_PEERCRED).
#pragma once

#include <napi.h>
#include <uv.h>

#include <memory>

namespace vmnet_broker {

class Listener : public Napi::ObjectWrap<Listener> {
 public:
  static Napi::Function Define(Napi::Env env);
  // new Listener(fd, onConnection(fd, {uid, gid, pid}), onError(error)); takes fd.
  explicit Listener(const Napi::CallbackInfo& info);
  ~Listener() override;

 private:
  Napi::Value Close(const Napi::CallbackInfo& info);
  static void OnPoll(uv_poll_t* handle, int status, int events);
  void AcceptReady();
  void ReportError(const char* syscall, int err);
  void Shutdown();
  void PauseAfterFdExhaustion();
  static void OnResumeTimer(uv_timer_t* timer);

  int fd_ = -1;
  uv_poll_t* poll_ = nullptr;
  // Restarts accepting a moment after EMFILE/ENFILE instead of spinning on a
  // listener that stays readable.
  uv_timer_t* resumeTimer_ = nullptr;
  Napi::FunctionReference onConnection_;
  Napi::FunctionReference onError_;
  std::unique_ptr<Napi::AsyncContext> asyncContext_;
};

}  // namespace vmnet_broker
