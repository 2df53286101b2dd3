// SPDX-License-Identifier: Apache-2.0
#include "endpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "errors.h"
#include "js_callback.h"

namespace vmnet_broker {
namespace {

constexpr const char* kUsage =
    "new Endpoint(fd: number, onData: Function, onClose: Function, onDrain?: Function, readBuffer?: "
    "Uint8Array)";
constexpr const char* kSendUsage = "endpoint.send(data: Uint8Array, fds: number[])";
constexpr const char* kSendFrameUsage = "endpoint.sendFrame(payload: Uint8Array, fds: number[])";
constexpr size_t kReadBufferBytes = 256 * 1024;
// The kernel's SCM_MAX_FD: the most descriptors one sendmsg may carry.
constexpr size_t kMaxFdsPerMessage = 253;
// Reads per readiness event, so one chatty peer cannot starve the loop.
constexpr int kReadBurst = 16;
// Messages without descriptors coalesced into one sendmsg.
constexpr size_t kMaxIov = 64;

#if defined(__linux__)
constexpr int kRecvFlags = MSG_DONTWAIT | MSG_CMSG_CLOEXEC;
constexpr int kSendFlags = MSG_DONTWAIT | MSG_NOSIGNAL;
#else
constexpr int kRecvFlags = MSG_DONTWAIT;
constexpr int kSendFlags = MSG_DONTWAIT;
#endif

// One read buffer per thread (each Node environment has its own loop thread),
// not per connection: bytes are copied out before JavaScript runs. Unused by an
// endpoint given a read buffer of JavaScript's own.
std::vector<uint8_t>& ThreadReadData() {
  thread_local std::vector<uint8_t> data(kReadBufferBytes);
  return data;
}

std::vector<uint8_t>& ThreadReadControl() {
  thread_local std::vector<uint8_t> control(CMSG_SPACE(sizeof(int) * kMaxFdsPerMessage));
  return control;
}

void CloseAll(std::vector<int>* fds) {
  for (int fd : *fds) close(fd);
  fds->clear();
}

}  // namespace

Napi::Function Endpoint::Define(Napi::Env env) {
  return DefineClass(env, "Endpoint",
                     {
                         InstanceMethod<&Endpoint::Send>("send"),
                         InstanceMethod<&Endpoint::SendFrame>("sendFrame"),
                         InstanceMethod<&Endpoint::End>("end"),
                         InstanceMethod<&Endpoint::Close>("close"),
                         InstanceMethod<&Endpoint::PauseReading>("pauseReading"),
                         InstanceMethod<&Endpoint::ResumeReading>("resumeReading"),
                         InstanceAccessor<&Endpoint::QueuedBytes>("queuedBytes"),
                         InstanceAccessor<&Endpoint::Fd>("fd"),
                     });
}

Endpoint::Endpoint(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Endpoint>(info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0, kUsage);
  Napi::Function onData = ArgFunction(info, 1, kUsage);
  Napi::Function onClose = ArgFunction(info, 2, kUsage);
  if (info.Length() > 3 && !info[3].IsUndefined()) onDrain_ = Napi::Persistent(ArgFunction(info, 3, kUsage));
  if (info.Length() > 4 && !info[4].IsUndefined()) {
    if (!info[4].IsTypedArray() || info[4].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array ||
        info[4].As<Napi::Uint8Array>().ByteLength() == 0) {
      throw UsageError(env, kUsage, "argument 5 must be a non-empty Uint8Array");
    }
    readBuffer_ = Napi::Persistent(info[4].As<Napi::Uint8Array>());
  }
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
  fd_ = fd;
  poll_ = poll;
  onData_ = Napi::Persistent(onData);
  onClose_ = Napi::Persistent(onClose);
  asyncContext_ = std::make_unique<Napi::AsyncContext>(env, "vmnet-broker:Endpoint", Value());
  Ref();  // alive until onClose has run, even if JavaScript drops it
  WatchEvents();
}

Endpoint::~Endpoint() {
  // Only reached without a close at environment teardown.
  if (poll_ != nullptr) {
    uv_poll_stop(poll_);
    poll_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(poll_),
             [](uv_handle_t* handle) { delete reinterpret_cast<uv_poll_t*>(handle); });
    poll_ = nullptr;
  }
  if (fd_ >= 0) close(fd_);
  for (Message& message : queue_) CloseAll(&message.fds);
}

Napi::Value Endpoint::Send(const Napi::CallbackInfo& info) { return SendBytes(info, kSendUsage, false); }

Napi::Value Endpoint::SendFrame(const Napi::CallbackInfo& info) {
  return SendBytes(info, kSendFrameUsage, true);
}

Napi::Value Endpoint::SendBytes(const Napi::CallbackInfo& info, const char* usage, bool frame) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw UsageError(env, usage, "argument 1 must be a Uint8Array");
  }
  if (!info[1].IsArray()) throw UsageError(env, usage, "argument 2 must be an array of fds");
  auto data = info[0].As<Napi::Uint8Array>();
  auto fdArray = info[1].As<Napi::Array>();
  if (fdArray.Length() > kMaxFdsPerMessage) {
    throw UsageError(env, usage, "at most 253 fds per message (SCM_MAX_FD)");
  }
  if (frame && data.ByteLength() > UINT32_MAX) throw UsageError(env, usage, "the payload exceeds 4 GiB");
  // A frame always has its header byte for fds to travel with.
  if (!frame && fdArray.Length() > 0 && data.ByteLength() == 0) {
    throw UsageError(env, usage, "fds need at least one byte of data to travel with");
  }
  std::vector<int> callerFds;
  for (uint32_t i = 0; i < fdArray.Length(); i++) {
    Napi::Value v = fdArray.Get(i);
    double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
    if (d < 0 || d > INT32_MAX || static_cast<double>(static_cast<int>(d)) != d) {
      throw UsageError(env, usage, "every fd must be a non-negative integer");
    }
    int fd = static_cast<int>(d);
    // A bad fd is the caller's mistake (thrown), not a socket failure: check it
    // before sendmsg, which would report it as one.
    if (fcntl(fd, F_GETFD) < 0) throw SyscallError(env, "fcntl", errno, "fd " + std::to_string(fd));
    callerFds.push_back(fd);
  }
  if (closing_ || endRequested_) {
    throw SyscallError(env, "send", EPIPE, "the endpoint is closed");
  }
  uint8_t header[4];
  size_t headerBytes = 0;
  if (frame) {
    auto length = static_cast<uint32_t>(data.ByteLength());
    header[0] = static_cast<uint8_t>(length >> 24);
    header[1] = static_cast<uint8_t>(length >> 16);
    header[2] = static_cast<uint8_t>(length >> 8);
    header[3] = static_cast<uint8_t>(length);
    headerBytes = sizeof(header);
  }
  const size_t total = headerBytes + data.ByteLength();
  if (total == 0) return env.Undefined();

  size_t sent = 0;
  if (queue_.empty()) {
    // Nothing ahead of it: write straight from the caller's memory, with the
    // caller's fds (the kernel takes its own references), and queue only what
    // the socket did not take. Most replies end here, with no copy and no dup.
    int err = SendNow(header, headerBytes, data.Data(), data.ByteLength(), callerFds, &sent);
    if (err != 0) {
      BeginClose(err, "sendmsg");
      return env.Undefined();
    }
    if (sent == total) return env.Undefined();
  }

  Message message;
  if (sent == 0) {
    // Dups, so the caller may close its fds as soon as send() returns.
    for (int fd : callerFds) {
      int dup = fcntl(fd, F_DUPFD_CLOEXEC, 3);
      if (dup < 0) {
        int err = errno;
        CloseAll(&message.fds);
        throw SyscallError(env, "dup", err, "fd " + std::to_string(fd));
      }
      message.fds.push_back(dup);
    }
  }
  message.bytes.reserve(total - sent);
  if (sent < headerBytes) message.bytes.insert(message.bytes.end(), header + sent, header + headerBytes);
  size_t dataSent = sent > headerBytes ? sent - headerBytes : 0;
  message.bytes.insert(message.bytes.end(), data.Data() + dataSent, data.Data() + data.ByteLength());
  queuedBytes_ += message.bytes.size();
  queue_.push_back(std::move(message));
  WatchEvents();
  return env.Undefined();
}

int Endpoint::SendNow(const uint8_t* header, size_t headerBytes, const uint8_t* data, size_t dataBytes,
                      const std::vector<int>& fds, size_t* sent) {
  iovec iov[2];
  size_t iovCount = 0;
  if (headerBytes > 0) iov[iovCount++] = {const_cast<uint8_t*>(header), headerBytes};
  if (dataBytes > 0) iov[iovCount++] = {const_cast<uint8_t*>(data), dataBytes};
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = iovCount;
  union {
    cmsghdr align;
    char buf[CMSG_SPACE(sizeof(int) * kMaxFdsPerMessage)];
  } control;
  if (!fds.empty()) {
    size_t fdBytes = sizeof(int) * fds.size();
    std::memset(&control, 0, CMSG_SPACE(fdBytes));
    msg.msg_control = control.buf;
    msg.msg_controllen = CMSG_SPACE(fdBytes);
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(fdBytes);
    std::memcpy(CMSG_DATA(cmsg), fds.data(), fdBytes);
  }
  ssize_t n;
  do {
    n = sendmsg(fd_, &msg, kSendFlags);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    *sent = 0;
    return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : errno;
  }
  *sent = static_cast<size_t>(n);
  return 0;
}

Napi::Value Endpoint::End(const Napi::CallbackInfo& info) {
  if (!closing_) {
    endRequested_ = true;
    if (queue_.empty()) BeginClose(0, nullptr);
  }
  return info.Env().Undefined();
}

Napi::Value Endpoint::Close(const Napi::CallbackInfo& info) {
  BeginClose(0, nullptr);
  return info.Env().Undefined();
}

Napi::Value Endpoint::PauseReading(const Napi::CallbackInfo& info) {
  readingPaused_ = true;
  WatchEvents();
  return info.Env().Undefined();
}

Napi::Value Endpoint::ResumeReading(const Napi::CallbackInfo& info) {
  readingPaused_ = false;
  WatchEvents();
  return info.Env().Undefined();
}

void Endpoint::NotifyDrained() {
  if (onDrain_.IsEmpty()) return;
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  CallFromLoop(env, Value(), onDrain_, *asyncContext_, {});
}

Napi::Value Endpoint::QueuedBytes(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(queuedBytes_));
}

Napi::Value Endpoint::Fd(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), fd_); }

int Endpoint::Flush() {
  while (!queue_.empty()) {
    iovec iov[kMaxIov];
    size_t iovCount = 0;
    Message& head = queue_.front();
    iov[iovCount++] = {head.bytes.data() + head.offset, head.bytes.size() - head.offset};
    msghdr msg{};
    union {
      cmsghdr align;
      char buf[CMSG_SPACE(sizeof(int) * kMaxFdsPerMessage)];
    } control;
    if (!head.fds.empty()) {
      // Descriptors ride alone with their message's first byte: coalescing a
      // later message would make the receiver attach them to that one.
      size_t fdBytes = sizeof(int) * head.fds.size();
      std::memset(&control, 0, sizeof(control));
      msg.msg_control = control.buf;
      msg.msg_controllen = CMSG_SPACE(fdBytes);
      cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
      cmsg->cmsg_level = SOL_SOCKET;
      cmsg->cmsg_type = SCM_RIGHTS;
      cmsg->cmsg_len = CMSG_LEN(fdBytes);
      std::memcpy(CMSG_DATA(cmsg), head.fds.data(), fdBytes);
    } else {
      for (size_t i = 1; i < queue_.size() && iovCount < kMaxIov; i++) {
        Message& next = queue_[i];
        if (!next.fds.empty()) break;  // it must start its own sendmsg
        iov[iovCount++] = {next.bytes.data(), next.bytes.size()};
      }
    }
    msg.msg_iov = iov;
    msg.msg_iovlen = iovCount;
    ssize_t sent;
    do {
      sent = sendmsg(fd_, &msg, kSendFlags);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
      return errno;
    }
    if (sent > 0) CloseAll(&head.fds);  // they went with the first byte
    auto remaining = static_cast<size_t>(sent);
    while (remaining > 0 && !queue_.empty()) {
      Message& front = queue_.front();
      size_t left = front.bytes.size() - front.offset;
      size_t take = std::min(left, remaining);
      front.offset += take;
      remaining -= take;
      queuedBytes_ -= take;
      if (front.offset == front.bytes.size()) queue_.pop_front();
    }
  }
  return 0;
}

void Endpoint::WatchEvents() {
  if (closing_ || poll_ == nullptr) return;
  int events = (readingPaused_ ? 0 : UV_READABLE) | (queue_.empty() ? 0 : UV_WRITABLE);
  if (events == watchedEvents_) return;
  if (events == 0) {
    uv_poll_stop(poll_);
    watchedEvents_ = 0;
    return;
  }
  int rc = uv_poll_start(poll_, events, &Endpoint::OnPoll);
  if (rc != 0) {
    BeginClose(-rc, "uv_poll_start");
    return;
  }
  watchedEvents_ = events;
}

void Endpoint::OnPoll(uv_poll_t* handle, int status, int events) {
  auto* self = static_cast<Endpoint*>(handle->data);
  if (self == nullptr || self->closing_) return;
  if (status < 0) {
    self->BeginClose(-status, "poll");
    return;
  }
  if ((events & UV_WRITABLE) != 0) {
    int err = self->Flush();
    if (err != 0) {
      self->BeginClose(err, "sendmsg");
      return;
    }
    if (self->endRequested_ && self->queue_.empty()) {
      self->BeginClose(0, nullptr);
      return;
    }
    self->WatchEvents();
    if (self->queue_.empty()) self->NotifyDrained();
    if (self->closing_) return;
  }
  if ((events & (UV_READABLE | UV_DISCONNECT)) != 0 && !self->readingPaused_) self->ReadReady();
}

void Endpoint::ReadReady() {
  Napi::Env env = Env();
  Napi::HandleScope outer(env);
  [[maybe_unused]] Napi::Object keepAlive = Value();  // onData may close and drop this endpoint
  // With a read buffer of JavaScript's own, onData gets a view of it (valid only
  // during the call) instead of a fresh copy of every read.
  Napi::Uint8Array shared = readBuffer_.IsEmpty() ? Napi::Uint8Array() : readBuffer_.Value();
  uint8_t* data = shared.IsEmpty() ? ThreadReadData().data() : shared.Data();
  size_t dataBytes = shared.IsEmpty() ? ThreadReadData().size() : shared.ByteLength();
  std::vector<uint8_t>& control = ThreadReadControl();
  for (int i = 0; i < kReadBurst && !closing_ && !readingPaused_; i++) {
    iovec iov{data, dataBytes};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    ssize_t n;
    do {
      n = recvmsg(fd_, &msg, kRecvFlags);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      BeginClose(errno, "recvmsg");
      return;
    }
    std::vector<int> fds;
    for (cmsghdr* cmsg = CMSG_FIRSTHDR(&msg); cmsg != nullptr; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
      if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) continue;
      size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t k = 0; k < count; k++) {
        int fd;
        std::memcpy(&fd, CMSG_DATA(cmsg) + k * sizeof(int), sizeof(int));
#if !defined(__linux__)
        fcntl(fd, F_SETFD, FD_CLOEXEC);
#endif
        fds.push_back(fd);
      }
    }
    if ((msg.msg_flags & MSG_CTRUNC) != 0) {
      CloseAll(&fds);
      BeginClose(EMSGSIZE, "recvmsg(control data truncated)");
      return;
    }
    if (n == 0) {
      CloseAll(&fds);
      BeginClose(0, nullptr);  // orderly EOF
      return;
    }
    Napi::HandleScope scope(env);
    Napi::Array fdArray = Napi::Array::New(env, fds.size());
    for (size_t k = 0; k < fds.size(); k++) fdArray.Set(static_cast<uint32_t>(k), fds[k]);
    Napi::Value chunk = shared.IsEmpty()
                            ? Napi::Value(Napi::Buffer<uint8_t>::Copy(env, data, static_cast<size_t>(n)))
                            : Napi::Value(Napi::Uint8Array::New(env, static_cast<size_t>(n),
                                                                shared.ArrayBuffer(), shared.ByteOffset()));
    CallFromLoop(env, Value(), onData_, *asyncContext_, {chunk, fdArray});
    // A short read has most likely drained the socket: another recvmsg would
    // only say EAGAIN, a syscall per request. The poll is level-triggered, so
    // whatever is left (or arrives) is reported on the next loop turn.
    if (static_cast<size_t>(n) < dataBytes) return;
  }
}

void Endpoint::BeginClose(int err, const char* syscall) {
  if (closing_) return;
  closing_ = true;
  closeErrno_ = err;
  closeSyscall_ = syscall == nullptr ? "" : syscall;
  uv_poll_stop(poll_);
  // Safe right after uv_poll_stop: libuv has dropped the fd from its poller.
  close(fd_);
  fd_ = -1;
  for (Message& message : queue_) CloseAll(&message.fds);
  queue_.clear();
  queuedBytes_ = 0;
  uv_close(reinterpret_cast<uv_handle_t*>(poll_), &Endpoint::OnHandleClosed);
}

void Endpoint::OnHandleClosed(uv_handle_t* handle) {
  auto* self = static_cast<Endpoint*>(handle->data);
  delete reinterpret_cast<uv_poll_t*>(handle);
  if (self == nullptr) return;
  self->poll_ = nullptr;
  self->FinishClose();
}

void Endpoint::FinishClose() {
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  if (closeErrno_ != 0) {
    CallFromLoop(env, Value(), onClose_, *asyncContext_,
                 {SyscallError(env, closeSyscall_.c_str(), closeErrno_).Value()});
  } else {
    CallFromLoop(env, Value(), onClose_, *asyncContext_, {});
  }
  onData_.Reset();
  onClose_.Reset();
  onDrain_.Reset();
  readBuffer_.Reset();
  Unref();
}

}  // namespace vmnet_broker
