// SPDX-License-Identifier: Apache-2.0
#include "linux/nft_rules.h"

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <cstring>

namespace vmnet_broker {

bool ParsePrefix(const std::string& text, NftPrefix* out) {
  const size_t slash = text.find('/');
  if (slash == std::string::npos) return false;
  const std::string address = text.substr(0, slash);
  const std::string length = text.substr(slash + 1);
  if (length.empty() || length.size() > 3 ||
      length.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  out->length = std::stoi(length);
  if (inet_pton(AF_INET, address.c_str(), out->bytes) == 1) {
    out->v6 = false;
  } else if (inet_pton(AF_INET6, address.c_str(), out->bytes) == 1) {
    out->v6 = true;
  } else {
    return false;
  }
  out->present = true;
  return out->length >= 1 && out->length <= (out->v6 ? 128 : 32);
}

int HookNumber(const std::string& hook) {
  if (hook == "prerouting") return NF_INET_PRE_ROUTING;
  if (hook == "input") return NF_INET_LOCAL_IN;
  if (hook == "forward") return NF_INET_FORWARD;
  if (hook == "output") return NF_INET_LOCAL_OUT;
  if (hook == "postrouting") return NF_INET_POST_ROUTING;
  return -1;
}

// Expressions of one rule, each {NFTA_EXPR_NAME, NFTA_EXPR_DATA {...}}.
class Expressions {
 public:
  explicit Expressions(NfMessages* batch) : batch_(batch) {}
  size_t Begin(const char* name) {
    element_ = batch_->BeginNest(NFTA_LIST_ELEM);
    batch_->AttrString(NFTA_EXPR_NAME, name);
    return batch_->BeginNest(NFTA_EXPR_DATA);
  }
  void End(size_t data) {
    batch_->EndNest(data);
    batch_->EndNest(element_);
  }
  void Data(uint16_t type, const void* bytes, size_t size) {
    const size_t nest = batch_->BeginNest(type);
    batch_->Attr(NFTA_DATA_VALUE, bytes, size);
    batch_->EndNest(nest);
  }
  void Load(const char* name, uint16_t key_attr, uint32_t key, uint16_t dreg_attr) {
    const size_t data = Begin(name);
    batch_->AttrBe32(dreg_attr, NFT_REG_1);
    batch_->AttrBe32(key_attr, key);
    End(data);
  }
  void Meta(uint32_t key) { Load("meta", NFTA_META_KEY, key, NFTA_META_DREG); }
  void Compare(uint32_t op, const void* bytes, size_t size) {
    const size_t data = Begin("cmp");
    batch_->AttrBe32(NFTA_CMP_SREG, NFT_REG_1);
    batch_->AttrBe32(NFTA_CMP_OP, op);
    Data(NFTA_CMP_DATA, bytes, size);
    End(data);
  }
  void Payload(uint32_t base, uint32_t offset, uint32_t length) {
    const size_t data = Begin("payload");
    batch_->AttrBe32(NFTA_PAYLOAD_DREG, NFT_REG_1);
    batch_->AttrBe32(NFTA_PAYLOAD_BASE, base);
    batch_->AttrBe32(NFTA_PAYLOAD_OFFSET, offset);
    batch_->AttrBe32(NFTA_PAYLOAD_LEN, length);
    End(data);
  }
  // reg1 = (reg1 & mask) ^ 0
  void Mask(const unsigned char* mask, size_t size) {
    const unsigned char zeros[16] = {};
    const size_t data = Begin("bitwise");
    batch_->AttrBe32(NFTA_BITWISE_SREG, NFT_REG_1);
    batch_->AttrBe32(NFTA_BITWISE_DREG, NFT_REG_1);
    batch_->AttrBe32(NFTA_BITWISE_LEN, static_cast<uint32_t>(size));
    Data(NFTA_BITWISE_MASK, mask, size);
    Data(NFTA_BITWISE_XOR, zeros, size);
    End(data);
  }
  void Immediate(uint32_t reg, const void* bytes, size_t size) {
    const size_t data = Begin("immediate");
    batch_->AttrBe32(NFTA_IMMEDIATE_DREG, reg);
    Data(NFTA_IMMEDIATE_DATA, bytes, size);
    End(data);
  }
  void Verdict(int32_t code) {
    const size_t data = Begin("immediate");
    batch_->AttrBe32(NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
    const size_t value = batch_->BeginNest(NFTA_IMMEDIATE_DATA);
    const size_t verdict = batch_->BeginNest(NFTA_DATA_VERDICT);
    batch_->AttrBe32(NFTA_VERDICT_CODE, static_cast<uint32_t>(code));
    batch_->EndNest(verdict);
    batch_->EndNest(value);
    End(data);
  }
  void Bare(const char* name) { End(Begin(name)); }
  NfMessages* batch() { return batch_; }

 private:
  NfMessages* batch_;
  size_t element_ = 0;
};

static void MatchName(Expressions* x, uint32_t key, const std::string& name,
                      uint32_t op = NFT_CMP_EQ) {
  char padded[IFNAMSIZ] = {};
  std::memcpy(padded, name.data(), name.size());
  x->Meta(key);
  x->Compare(op, padded, sizeof(padded));
}

// ip/ip6 saddr or daddr within prefix: load the bytes the prefix covers, mask
// the last partial byte, compare.
static void MatchPrefix(Expressions* x, const NftPrefix& prefix, bool source,
                        bool negate) {
  const uint32_t offset = prefix.v6 ? (source ? 8 : 24) : (source ? 12 : 16);
  const size_t size = static_cast<size_t>((prefix.length + 7) / 8);
  unsigned char value[16] = {};
  std::memcpy(value, prefix.bytes, size);
  x->Payload(NFT_PAYLOAD_NETWORK_HEADER, offset, static_cast<uint32_t>(size));
  if (prefix.length % 8 != 0) {
    unsigned char mask[16];
    std::memset(mask, 0xff, size);
    mask[size - 1] = static_cast<unsigned char>(0xff << (8 - prefix.length % 8));
    value[size - 1] &= mask[size - 1];
    x->Mask(mask, size);
  }
  x->Compare(negate ? NFT_CMP_NEQ : NFT_CMP_EQ, value, size);
}

static void AppendRule(NfMessages* batch, const std::string& table,
                       const NftChain& chain, const NftRule& rule, size_t index) {
  batch->Begin(
      NFT_MSG_NEWRULE, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_APPEND | NLM_F_ACK,
      NFPROTO_INET,
      "NFT_MSG_NEWRULE " + table + " " + chain.name + " #" + std::to_string(index + 1));
  batch->AttrString(NFTA_RULE_TABLE, table);
  batch->AttrString(NFTA_RULE_CHAIN, chain.name);
  const size_t list = batch->BeginNest(NFTA_RULE_EXPRESSIONS);
  Expressions x(batch);
  if (!rule.iifname.empty()) MatchName(&x, NFT_META_IIFNAME, rule.iifname);
  for (const std::string& name : rule.not_iifnames) {
    MatchName(&x, NFT_META_IIFNAME, name, NFT_CMP_NEQ);
  }
  if (!rule.oifname.empty()) MatchName(&x, NFT_META_OIFNAME, rule.oifname);
  const NftPrefix& any = rule.saddr.present   ? rule.saddr
                         : rule.daddr.present ? rule.daddr
                                              : rule.to_address;
  if (any.present) {
    const uint8_t family = any.v6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
    x.Meta(NFT_META_NFPROTO);
    x.Compare(NFT_CMP_EQ, &family, 1);
  }
  if (rule.saddr.present) MatchPrefix(&x, rule.saddr, true, false);
  if (rule.daddr.present) MatchPrefix(&x, rule.daddr, false, rule.daddr_not);
  if (rule.fib_daddr_local) {
    // fib daddr type local: the destination is one of this namespace's addresses.
    const size_t data = x.Begin("fib");
    batch->AttrBe32(NFTA_FIB_DREG, NFT_REG_1);
    batch->AttrBe32(NFTA_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
    batch->AttrBe32(NFTA_FIB_FLAGS, NFTA_FIB_F_DADDR);
    x.End(data);
    const uint32_t local = RTN_LOCAL;  // host byte order, as the kernel stores it
    x.Compare(NFT_CMP_EQ, &local, sizeof(local));
  }
  if (rule.l4proto >= 0) {
    const uint8_t proto = static_cast<uint8_t>(rule.l4proto);
    x.Meta(NFT_META_L4PROTO);
    x.Compare(NFT_CMP_EQ, &proto, 1);
  }
  if (rule.dport >= 0) {
    const uint16_t port = htons(static_cast<uint16_t>(rule.dport));
    x.Payload(NFT_PAYLOAD_TRANSPORT_HEADER, 2, sizeof(port));
    x.Compare(NFT_CMP_EQ, &port, sizeof(port));
  }
  if (rule.sport >= 0) {
    const uint16_t port = htons(static_cast<uint16_t>(rule.sport));
    x.Payload(NFT_PAYLOAD_TRANSPORT_HEADER, 0, sizeof(port));
    x.Compare(NFT_CMP_EQ, &port, sizeof(port));
  }
  if (rule.established) {
    // ct state related,established: the state bits in host byte order.
    const uint32_t bits =
        NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED);
    const uint32_t zero = 0;
    x.Load("ct", NFTA_CT_KEY, NFT_CT_STATE, NFTA_CT_DREG);
    x.Mask(reinterpret_cast<const unsigned char*>(&bits), sizeof(bits));
    x.Compare(NFT_CMP_NEQ, &zero, sizeof(zero));
  }
  if (rule.dnatted) {
    // ct status dnat: the connection's destination was rewritten (a forward).
    const uint32_t bits = IPS_DST_NAT;
    const uint32_t zero = 0;
    x.Load("ct", NFTA_CT_KEY, NFT_CT_STATUS, NFTA_CT_DREG);
    x.Mask(reinterpret_cast<const unsigned char*>(&bits), sizeof(bits));
    x.Compare(NFT_CMP_NEQ, &zero, sizeof(zero));
  }
  if (rule.counter) x.Bare("counter");
  if (rule.action == "accept") {
    x.Verdict(NF_ACCEPT);
  } else if (rule.action == "drop") {
    x.Verdict(NF_DROP);
  } else if (rule.action == "return") {
    x.Verdict(NFT_RETURN);
  } else if (rule.action == "notrack") {
    x.Bare("notrack");
  } else if (rule.action == "reject") {
    const size_t data = x.Begin("reject");
    const uint8_t code = NFT_REJECT_ICMPX_PORT_UNREACH;
    batch->AttrBe32(NFTA_REJECT_TYPE, NFT_REJECT_ICMPX_UNREACH);
    batch->Attr(NFTA_REJECT_ICMP_CODE, &code, 1);
    x.End(data);
  } else if (rule.action == "dnat") {
    const uint16_t port = htons(static_cast<uint16_t>(rule.to_port));
    x.Immediate(NFT_REG_1, rule.to_address.bytes, rule.to_address.v6 ? 16 : 4);
    x.Immediate(NFT_REG_2, &port, sizeof(port));
    const size_t data = x.Begin("nat");
    batch->AttrBe32(NFTA_NAT_TYPE, NFT_NAT_DNAT);
    batch->AttrBe32(NFTA_NAT_FAMILY, rule.to_address.v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
    batch->AttrBe32(NFTA_NAT_REG_ADDR_MIN, NFT_REG_1);
    batch->AttrBe32(NFTA_NAT_REG_PROTO_MIN, NFT_REG_2);
    batch->AttrBe32(NFTA_NAT_FLAGS,
                    NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED);
    x.End(data);
  } else if (rule.port_min != 0) {
    const uint16_t low = htons(static_cast<uint16_t>(rule.port_min));
    const uint16_t high = htons(static_cast<uint16_t>(rule.port_max));
    x.Immediate(NFT_REG_1, &low, sizeof(low));
    x.Immediate(NFT_REG_2, &high, sizeof(high));
    const size_t data = x.Begin("masq");
    batch->AttrBe32(NFTA_MASQ_FLAGS, NF_NAT_RANGE_PROTO_SPECIFIED);
    batch->AttrBe32(NFTA_MASQ_REG_PROTO_MIN, NFT_REG_1);
    batch->AttrBe32(NFTA_MASQ_REG_PROTO_MAX, NFT_REG_2);
    x.End(data);
  } else {
    x.Bare("masq");
  }
  batch->EndNest(list);
}

void AppendChain(NfMessages* batch, const std::string& table, const NftChain& chain) {
  batch->Begin(NFT_MSG_NEWCHAIN, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_ACK, NFPROTO_INET,
               "NFT_MSG_NEWCHAIN " + table + " " + chain.name);
  batch->AttrString(NFTA_CHAIN_TABLE, table);
  batch->AttrString(NFTA_CHAIN_NAME, chain.name);
  const size_t hook = batch->BeginNest(NFTA_CHAIN_HOOK);
  batch->AttrBe32(NFTA_HOOK_HOOKNUM, static_cast<uint32_t>(HookNumber(chain.hook)));
  batch->AttrBe32(NFTA_HOOK_PRIORITY, static_cast<uint32_t>(chain.priority));
  batch->EndNest(hook);
  batch->AttrBe32(NFTA_CHAIN_POLICY, NF_ACCEPT);
  batch->AttrString(NFTA_CHAIN_TYPE, chain.type);
  for (size_t i = 0; i < chain.rules.size(); ++i) {
    AppendRule(batch, table, chain, chain.rules[i], i);
  }
}

}  // namespace vmnet_broker
