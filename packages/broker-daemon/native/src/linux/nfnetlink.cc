// SPDX-License-Identifier: Apache-2.0
#include "linux/nfnetlink.h"

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vmnet_broker {

void NfMessages::Pad(size_t size) {
  bytes_.resize(bytes_.size() + NLMSG_ALIGN(size), 0);
}

void NfMessages::Header(uint16_t type, uint16_t flags, uint8_t family, uint16_t res_id,
                        const std::string& what) {
  current_ = bytes_.size();
  Pad(NLMSG_HDRLEN + sizeof(nfgenmsg));
  auto* header = reinterpret_cast<nlmsghdr*>(bytes_.data() + current_);
  header->nlmsg_type = type;
  header->nlmsg_flags = flags;
  header->nlmsg_seq = static_cast<uint32_t>(names_.size());
  header->nlmsg_len = static_cast<uint32_t>(NLMSG_HDRLEN + sizeof(nfgenmsg));
  auto* gen = reinterpret_cast<nfgenmsg*>(bytes_.data() + current_ + NLMSG_HDRLEN);
  gen->nfgen_family = family;
  gen->version = NFNETLINK_V0;
  gen->res_id = htons(res_id);
  names_.push_back(what);
}

void NfMessages::Begin(uint16_t type, uint16_t flags, uint8_t family,
                       const std::string& what) {
  Header(static_cast<uint16_t>((NFNL_SUBSYS_NFTABLES << 8) | type), flags, family, 0,
         what);
}

void NfMessages::BatchBegin() {
  Header(NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, AF_UNSPEC, NFNL_SUBSYS_NFTABLES, "");
}

void NfMessages::BatchEnd() {
  Header(NFNL_MSG_BATCH_END, NLM_F_REQUEST, AF_UNSPEC, NFNL_SUBSYS_NFTABLES, "");
}

void NfMessages::Attr(uint16_t type, const void* data, size_t size) {
  const size_t at = bytes_.size();
  Pad(NLA_HDRLEN + size);
  auto* attr = reinterpret_cast<nlattr*>(bytes_.data() + at);
  attr->nla_type = type;
  attr->nla_len = static_cast<uint16_t>(NLA_HDRLEN + size);
  if (data != nullptr) std::memcpy(bytes_.data() + at + NLA_HDRLEN, data, size);
  reinterpret_cast<nlmsghdr*>(bytes_.data() + current_)->nlmsg_len =
      static_cast<uint32_t>(bytes_.size() - current_);
}

void NfMessages::AttrBe32(uint16_t type, uint32_t value) {
  const uint32_t big = htonl(value);
  Attr(type, &big, sizeof(big));
}

size_t NfMessages::BeginNest(uint16_t type) {
  const size_t at = bytes_.size();
  Attr(static_cast<uint16_t>(NLA_F_NESTED | type), nullptr, 0);
  return at;
}

void NfMessages::EndNest(size_t at) {
  reinterpret_cast<nlattr*>(bytes_.data() + at)->nla_len =
      static_cast<uint16_t>(bytes_.size() - at);
}

// A NETLINK_NETFILTER socket with a receive limit: the kernel always answers,
// but a broker must never hang on it.
static int OpenSocket(std::string* step) {
  const int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
  if (fd < 0) {
    *step = "socket(AF_NETLINK, NETLINK_NETFILTER)";
    return -1;
  }
  const timeval limit = {5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
  return fd;
}

static int Send(int fd, const std::vector<char>& bytes, std::string* step) {
  sockaddr_nl kernel;
  std::memset(&kernel, 0, sizeof(kernel));
  kernel.nl_family = AF_NETLINK;
  if (sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&kernel),
             sizeof(kernel)) < 0) {
    *step = "sendto";
    return errno;
  }
  return 0;
}

// Receives one datagram into buffer; the byte count, or -errno with *step set.
static ssize_t Receive(int fd, std::vector<char>* buffer, std::string* step) {
  for (;;) {
    const ssize_t got = recv(fd, buffer->data(), buffer->size(), 0);
    if (got >= 0) return got;
    if (errno == EINTR) continue;
    *step = "recv";
    return -errno;
  }
}

// A batch is one datagram, which the kernel refuses (EMSGSIZE) when it exceeds the
// socket's send buffer (wmem_default): a table with many port forwards does. And
// when a rule fails, every later rule of its chain fails too, each answered with
// an error that costs about a kilobyte of receive buffer: too many overflow it
// (ENOBUFS) before the first can be read. As nft does, size both buffers to the
// batch: SO_*BUFFORCE where allowed (root in the initial user namespace), else
// SO_*BUF, which wmem_max and rmem_max cap.
static void FitBuffer(int fd, int option, int force, size_t size) {
  int current = 0;
  socklen_t length = sizeof(current);
  if (getsockopt(fd, SOL_SOCKET, option, &current, &length) == 0 &&
      static_cast<size_t>(current) >= size) {
    return;
  }
  const int wanted = static_cast<int>(size);
  if (setsockopt(fd, SOL_SOCKET, force, &wanted, sizeof(wanted)) != 0) {
    setsockopt(fd, SOL_SOCKET, option, &wanted, sizeof(wanted));
  }
}

// The batch as sent: only its last message asks for an acknowledgement. The kernel
// queues every answer until the whole batch is committed or aborted, so one ack
// per message (a table with many port forwards has over a thousand rules)
// overflows the receive buffer (ENOBUFS). Errors are answered whatever the flags,
// in message order, and the last message's answer comes last.
static std::vector<char> AckLastOnly(const NfMessages& batch, uint32_t* last_seq) {
  std::vector<char> bytes = batch.bytes();
  nlmsghdr* last = nullptr;
  int left = static_cast<int>(bytes.size());
  for (auto* message = reinterpret_cast<nlmsghdr*>(bytes.data());
       NLMSG_OK(message, left); message = NLMSG_NEXT(message, left)) {
    if ((message->nlmsg_flags & NLM_F_ACK) == 0) continue;
    message->nlmsg_flags &= static_cast<uint16_t>(~NLM_F_ACK);
    last = message;
  }
  if (last != nullptr) last->nlmsg_flags |= NLM_F_ACK;
  *last_seq = last != nullptr ? last->nlmsg_seq : 0;
  return bytes;
}

int SendBatch(const NfMessages& batch, std::string* step) {
  const int fd = OpenSocket(step);
  if (fd < 0) return errno;
  uint32_t last_seq = 0;
  const std::vector<char> bytes = AckLastOnly(batch, &last_seq);
  FitBuffer(fd, SO_SNDBUF, SO_SNDBUFFORCE, bytes.size() + 4096);
  FitBuffer(fd, SO_RCVBUF, SO_RCVBUFFORCE, batch.names().size() * 1024 + 65536);
  int err = Send(fd, bytes, step);
  int first = 0;
  bool done = last_seq == 0;
  std::vector<char> buffer(16384);
  while (err == 0 && !done) {
    const ssize_t got = Receive(fd, &buffer, step);
    if (got < 0) {
      // Lost answers (ENOBUFS) can only be errors: a batch that succeeds has one.
      if (first == 0 && got == -ENOBUFS)
        *step = "recv (the batch was refused; errors lost)";
      err = first != 0 ? first : static_cast<int>(-got);
      break;
    }
    int left = static_cast<int>(got);
    for (auto* message = reinterpret_cast<nlmsghdr*>(buffer.data());
         NLMSG_OK(message, left); message = NLMSG_NEXT(message, left)) {
      if (message->nlmsg_type != NLMSG_ERROR) continue;
      const auto* answer = static_cast<const nlmsgerr*>(NLMSG_DATA(message));
      const uint32_t seq = answer->msg.nlmsg_seq;
      if (answer->error != 0 && first == 0) {
        first = -answer->error;
        *step = seq < batch.names().size() ? batch.names()[seq] : "batch";
      }
      // An error on the batch itself (seq 0) is its only answer.
      if (seq == 0 || seq == last_seq) done = true;
    }
  }
  close(fd);
  return err != 0 ? err : first;
}

int Dump(const NfMessages& request, void (*on_message)(const nlmsghdr*, void*),
         void* context, std::string* step) {
  const int fd = OpenSocket(step);
  if (fd < 0) return errno;
  int err = Send(fd, request.bytes(), step);
  std::vector<char> buffer(65536);
  bool done = false;
  while (err == 0 && !done) {
    const ssize_t got = Receive(fd, &buffer, step);
    if (got < 0) {
      err = static_cast<int>(-got);
      break;
    }
    int left = static_cast<int>(got);
    for (auto* message = reinterpret_cast<nlmsghdr*>(buffer.data());
         NLMSG_OK(message, left); message = NLMSG_NEXT(message, left)) {
      if (message->nlmsg_type == NLMSG_DONE) {
        done = true;
      } else if (message->nlmsg_type == NLMSG_ERROR) {
        const auto* answer = static_cast<const nlmsgerr*>(NLMSG_DATA(message));
        err = -answer->error;
        *step = request.names().empty() ? "dump" : request.names()[0];
        done = true;
      } else {
        on_message(message, context);
      }
    }
  }
  close(fd);
  return err;
}

}  // namespace vmnet_broker
