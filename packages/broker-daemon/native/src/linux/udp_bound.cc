// SPDX-License-Identifier: Apache-2.0
// udpBound: whether a UDP socket of the calling thread's namespace is bound to an
// IPv4 address and port, by one sock_diag look-up (the kernel's own hash lookup).
// /proc/net/udp lists every socket of the namespace as text: two per network's
// dnsmasq, 0.7 ms to read with 200 networks.
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "common/owned_fd.h"
#include "errors.h"
#include "linux/linux.h"

namespace vmnet_broker {

Napi::Value UdpBound(const Napi::CallbackInfo& info) {
  static constexpr const char* kUsage = "udpBound(ipv4: string, port: number)";
  Napi::Env env = info.Env();
  if (info.Length() != 2 || !info[0].IsString() || !info[1].IsNumber()) {
    ThrowUsage(env, kUsage, "expected an IPv4 address and a port");
    return env.Undefined();
  }
  struct in_addr address;
  const std::string text = info[0].As<Napi::String>().Utf8Value();
  const int port = info[1].As<Napi::Number>().Int32Value();
  if (inet_pton(AF_INET, text.c_str(), &address) != 1 || port <= 0 || port > 65535) {
    ThrowUsage(env, kUsage, "not an IPv4 address and port: " + text);
    return env.Undefined();
  }

  struct {
    struct nlmsghdr header;
    struct inet_diag_req_v2 request;
  } message;
  std::memset(&message, 0, sizeof(message));
  message.header.nlmsg_len = sizeof(message);
  message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  message.header.nlmsg_flags = NLM_F_REQUEST;
  message.header.nlmsg_seq = 1;
  message.request.sdiag_family = AF_INET;
  message.request.sdiag_protocol = IPPROTO_UDP;
  message.request.idiag_states = ~0U;
  // One socket, found as a datagram to address:port would find it: the kernel
  // takes idiag_dst/dport as the local end ("swapped for historical reasons").
  message.request.id.idiag_dst[0] = address.s_addr;
  message.request.id.idiag_dport = htons(static_cast<uint16_t>(port));
  message.request.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
  message.request.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;

  const OwnedFd sock(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
  const int fd = sock.fd();
  if (fd < 0) {
    ThrowSyscall(env, "socket(AF_NETLINK, NETLINK_SOCK_DIAG)", errno);
    return env.Undefined();
  }
  struct sockaddr_nl kernel;
  std::memset(&kernel, 0, sizeof(kernel));
  kernel.nl_family = AF_NETLINK;
  if (sendto(fd, &message, sizeof(message), 0,
             reinterpret_cast<struct sockaddr*>(&kernel), sizeof(kernel)) < 0) {
    ThrowSyscall(env, "sendto SOCK_DIAG_BY_FAMILY", errno);
    return env.Undefined();
  }
  alignas(struct nlmsghdr) char answer[1024];
  ssize_t got;
  do {
    got = recv(fd, answer, sizeof(answer), 0);
  } while (got < 0 && errno == EINTR);
  if (got < 0) {
    ThrowSyscall(env, "recv SOCK_DIAG_BY_FAMILY", errno);
    return env.Undefined();
  }
  const auto* reply = reinterpret_cast<const struct nlmsghdr*>(answer);
  if (!NLMSG_OK(reply, static_cast<int>(got))) return Napi::Boolean::New(env, false);
  if (reply->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
      reply->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg))) {
    // NLMSG_ERROR: ENOENT when nothing is bound there (or no udp_diag in this
    // kernel: the caller then asks /proc).
    return Napi::Boolean::New(env, false);
  }
  // A wildcard socket (0.0.0.0:port) answers the look-up too; only this address counts.
  const auto* found = static_cast<const struct inet_diag_msg*>(NLMSG_DATA(reply));
  return Napi::Boolean::New(
      env, found->id.idiag_src[0] == address.s_addr &&
               found->id.idiag_sport == htons(static_cast<uint16_t>(port)));
}

}  // namespace vmnet_broker
