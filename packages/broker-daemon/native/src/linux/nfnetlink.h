// SPDX-License-Identifier: Apache-2.0
// nf_tables messages built by hand (no libnftnl) and sent to the kernel over
// NETLINK_NETFILTER: a batch that is applied atomically, and a dump of tables.
// nftables attributes hold integers in network byte order.
#pragma once

#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace vmnet_broker {

// Messages appended one after another into one buffer; nests are closed by offset.
class NfMessages {
 public:
  // Starts an nf_tables message (`type` is an NFT_MSG_*) for `family`; `what`
  // names it in errors ("NFT_MSG_NEWRULE forward #2").
  void Begin(uint16_t type, uint16_t flags, uint8_t family, const std::string& what);
  // Batch delimiters (NFNL_MSG_BATCH_BEGIN / _END) around nf_tables messages.
  void BatchBegin();
  void BatchEnd();
  void Attr(uint16_t type, const void* data, size_t size);
  void AttrString(uint16_t type, const std::string& text) {
    Attr(type, text.c_str(), text.size() + 1);
  }
  void AttrBe32(uint16_t type, uint32_t value);
  size_t BeginNest(uint16_t type);
  void EndNest(size_t at);
  const std::vector<char>& bytes() const { return bytes_; }
  // Names of the messages by sequence number (index = seq), "" for delimiters.
  const std::vector<std::string>& names() const { return names_; }

 private:
  void Header(uint16_t type, uint16_t flags, uint8_t family, uint16_t res_id,
              const std::string& what);
  void Pad(size_t size);
  std::vector<char> bytes_;
  std::vector<std::string> names_;
  size_t current_ = 0;
};

// Sends a batch (built with NLM_F_ACK on its messages; only the last one keeps
// it when sent) on a NETLINK_NETFILTER socket of the calling thread's namespace,
// its send buffer grown to fit, and waits for the last message's answer. 0, or
// the first errno with the failing step in *step: "socket(...)", "sendto",
// "recv", or the name of the message the kernel refused.
int SendBatch(const NfMessages& batch, std::string* step);

// Dumps (NLM_F_DUMP) with one request and calls on_message for each answer.
// 0, or an errno with the failing step in *step.
int Dump(const NfMessages& request, void (*on_message)(const nlmsghdr*, void*),
         void* context, std::string* step);

}  // namespace vmnet_broker
