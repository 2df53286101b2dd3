// SPDX-License-Identifier: Apache-2.0
// watchLinks(onDeleted): the kernel's RTM_DELLINK notifications for the calling
// thread's network namespace, on a NETLINK_ROUTE socket subscribed to
// RTNLGRP_LINK and polled by libuv on the main loop (no timer, no thread). The
// broker learns this way that a TAP lost its last fd or a veth its namespace.
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "errors.h"
#include "linux/linux.h"

namespace vmnet_broker {

namespace {

constexpr const char* kUsage =
    "watchLinks(onDeleted: (ifname: string, ifindex: number) => void)";
// Large enough for a burst (a bridge with many ports going at once); an overflow
// is reported to JS, which then checks every interface it knows.
constexpr int kReceiveBuffer = 1 << 20;

struct LinkWatch {
  uv_poll_t poll;
  int fd = -1;
  Napi::Env env;
  Napi::FunctionReference callback;
  Napi::AsyncContext context;
  bool stopped = false;

  LinkWatch(Napi::Env env, Napi::Function fn)
      : env(env),
        callback(Napi::Persistent(fn)),
        context(env, "vmnet-broker:watchLinks") {}
};

// Calls back into JS as a top-level callback (microtasks run after it); a throw
// becomes an uncaught exception instead of unwinding into libuv.
void Deliver(LinkWatch* watch, const std::string& ifname, unsigned int ifindex) {
  Napi::HandleScope scope(watch->env);
  try {
    watch->callback.MakeCallback(
        watch->env.Global(),
        {Napi::String::New(watch->env, ifname), Napi::Number::New(watch->env, ifindex)},
        watch->context);
  } catch (const Napi::Error& error) {
    napi_fatal_exception(watch->env, error.Value());
  }
}

// The IFLA_IFNAME of an RTM_DELLINK message, or "".
std::string LinkName(const struct nlmsghdr* header) {
  const auto* link = static_cast<const struct ifinfomsg*>(NLMSG_DATA(header));
  int length = static_cast<int>(IFLA_PAYLOAD(header));
  for (const struct rtattr* attr = IFLA_RTA(link); RTA_OK(attr, length);
       attr = RTA_NEXT(attr, length)) {
    if (attr->rta_type != IFLA_IFNAME) continue;
    const char* text = static_cast<const char*>(RTA_DATA(attr));
    return std::string(text, strnlen(text, RTA_PAYLOAD(attr)));
  }
  return "";
}

void OnReadable(uv_poll_t* handle, int status, int /*events*/) {
  auto* watch = static_cast<LinkWatch*>(handle->data);
  if (watch->stopped) return;
  if (status < 0) {
    Deliver(watch, "", 0);
    return;
  }
  alignas(struct nlmsghdr) char buffer[65536];
  for (;;) {
    const ssize_t n = recv(watch->fd, buffer, sizeof(buffer), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      // ENOBUFS: the kernel dropped notifications; JS checks what it knows.
      if (errno == ENOBUFS) Deliver(watch, "", 0);
      return;
    }
    int length = static_cast<int>(n);
    for (auto* header = reinterpret_cast<struct nlmsghdr*>(buffer);
         NLMSG_OK(header, length); header = NLMSG_NEXT(header, length)) {
      if (header->nlmsg_type != RTM_DELLINK) continue;
      if (header->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg))) continue;
      const auto* link = static_cast<const struct ifinfomsg*>(NLMSG_DATA(header));
      // AF_BRIDGE messages report a port leaving its bridge, not a deleted link.
      if (link->ifi_family != AF_UNSPEC) continue;
      Deliver(watch, LinkName(header), static_cast<unsigned int>(link->ifi_index));
      if (watch->stopped) return;
    }
  }
}

void OnClosed(uv_handle_t* handle) {
  auto* watch = static_cast<LinkWatch*>(handle->data);
  close(watch->fd);
  delete watch;
}

}  // namespace

Napi::Value WatchLinks(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsFunction()) {
    ThrowUsage(env, kUsage, "onDeleted must be a function");
    return env.Undefined();
  }
  const int fd =
      socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
  if (fd < 0) {
    ThrowSyscall(env, "socket(AF_NETLINK, NETLINK_ROUTE)", errno);
    return env.Undefined();
  }
  // Best effort: the default buffer still works, with overflows reported.
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kReceiveBuffer, sizeof(kReceiveBuffer));
  struct sockaddr_nl address;
  std::memset(&address, 0, sizeof(address));
  address.nl_family = AF_NETLINK;
  address.nl_groups = RTMGRP_LINK;
  if (bind(fd, reinterpret_cast<struct sockaddr*>(&address), sizeof(address)) != 0) {
    const int err = errno;
    close(fd);
    ThrowSyscall(env, "bind(RTMGRP_LINK)", err);
    return env.Undefined();
  }
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
    close(fd);
    Napi::Error::New(env, "watchLinks: no libuv loop").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto* watch = new LinkWatch(env, info[0].As<Napi::Function>());
  watch->fd = fd;
  watch->poll.data = watch;
  int rc = uv_poll_init(loop, &watch->poll, fd);
  if (rc == 0) rc = uv_poll_start(&watch->poll, UV_READABLE, OnReadable);
  if (rc != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(&watch->poll), OnClosed);
    ThrowSyscall(env, "uv_poll_start", -rc);
    return env.Undefined();
  }
  // Watching must never be what keeps the broker's process alive.
  uv_unref(reinterpret_cast<uv_handle_t*>(&watch->poll));
  return Napi::Function::New(
      env,
      [watch](const Napi::CallbackInfo& stopInfo) -> Napi::Value {
        if (!watch->stopped) {
          watch->stopped = true;
          uv_poll_stop(&watch->poll);
          uv_close(reinterpret_cast<uv_handle_t*>(&watch->poll), OnClosed);
        }
        return stopInfo.Env().Undefined();
      },
      "stopWatchingLinks");
}

}  // namespace vmnet_broker
