// SPDX-License-Identifier: Apache-2.0
// Endpoint: all I/O on one connected Unix stream socket, driven by libuv
// readiness. Reads report each recvmsg's bytes with the descriptors that came
// with them; writes keep strict order, carry descriptors on the first byte of
// their message, and queue across partial writes and EAGAIN.
#pragma once

#include <napi.h>
#include <uv.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace vmnet_broker {

class Endpoint : public Napi::ObjectWrap<Endpoint> {
 public:
  static Napi::Function Define(Napi::Env env);
  // new Endpoint(fd, onData(chunk, fds), onClose(error?), onDrain?(), readBuffer?); takes
  // ownership of fd. With readBuffer, chunk is a view of it that the next read overwrites.
  // onDrain runs from the loop each time a queue that had to wait for the socket empties.
  explicit Endpoint(const Napi::CallbackInfo& info);
  ~Endpoint() override;

 private:
  struct Message {
    std::vector<uint8_t> bytes;
    size_t offset = 0;
    // Our dups of the caller's descriptors; sent with bytes[0], then closed.
    std::vector<int> fds;
  };

  Napi::Value Send(const Napi::CallbackInfo& info);
  // send() with the protocol's 4-byte big-endian length header in front.
  Napi::Value SendFrame(const Napi::CallbackInfo& info);
  Napi::Value SendBytes(const Napi::CallbackInfo& info, const char* usage, bool frame);
  // One sendmsg of header + data (+ fds) with an empty queue; *sent gets the bytes
  // taken (0 on EAGAIN). Returns 0 or the sendmsg errno.
  int SendNow(const uint8_t* header, size_t headerBytes, const uint8_t* data, size_t dataBytes,
              const std::vector<int>& fds, size_t* sent);
  Napi::Value End(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value QueuedBytes(const Napi::CallbackInfo& info);
  // Stops reading (and so stops noticing EOF) until resumed: backpressure for a
  // peer that sends faster than it is served.
  Napi::Value PauseReading(const Napi::CallbackInfo& info);
  Napi::Value ResumeReading(const Napi::CallbackInfo& info);
  void NotifyDrained();
  Napi::Value Fd(const Napi::CallbackInfo& info);

  static void OnPoll(uv_poll_t* handle, int status, int events);
  static void OnHandleClosed(uv_handle_t* handle);
  void ReadReady();
  // Sends queued messages until done or EAGAIN; returns 0 or the sendmsg errno.
  int Flush();
  void WatchEvents();
  // Stops I/O and closes the socket at once; onClose runs from the loop later.
  void BeginClose(int err, const char* syscall);
  void FinishClose();

  int fd_ = -1;
  uv_poll_t* poll_ = nullptr;
  int watchedEvents_ = 0;
  bool closing_ = false;
  bool endRequested_ = false;
  bool readingPaused_ = false;
  int closeErrno_ = 0;
  std::string closeSyscall_;
  std::deque<Message> queue_;
  size_t queuedBytes_ = 0;
  Napi::FunctionReference onData_;
  Napi::FunctionReference onClose_;
  Napi::FunctionReference onDrain_;
  // Optional: where reads land, shared with JavaScript (and other endpoints).
  Napi::Reference<Napi::Uint8Array> readBuffer_;
  std::unique_ptr<Napi::AsyncContext> asyncContext_;
};

}  // namespace vmnet_broker
