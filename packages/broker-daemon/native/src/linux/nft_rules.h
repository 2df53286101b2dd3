// SPDX-License-Identifier: Apache-2.0
// A network's nftables rules as data: the small vocabulary the Linux backend's
// tables use (nftables.ts), and its encoding into nf_tables expressions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "linux/nfnetlink.h"

namespace vmnet_broker {

// An address prefix of either family.
struct NftPrefix {
  bool present = false;
  bool v6 = false;
  unsigned char bytes[16] = {};
  int length = 0;
};

// One rule: every match given must hold, then the counter, then the action.
struct NftRule {
  std::string iifname, oifname;
  std::vector<std::string> not_iifnames;  // iifname is none of these
  NftPrefix saddr, daddr;
  bool daddr_not = false;        // daddr != prefix
  int l4proto = -1;              // IPPROTO_*, -1 for any
  int dport = -1;                // th dport (needs l4proto), -1 for any
  int sport = -1;                // th sport (needs l4proto), -1 for any
  bool fib_daddr_local = false;  // fib daddr type local
  bool established = false;      // ct state related,established
  bool dnatted = false;          // ct status dnat
  bool counter = false;
  // accept, drop, return, reject, notrack, masquerade, dnat
  std::string action;
  int port_min = 0, port_max = 0;  // masquerade to :min-max when non-zero
  NftPrefix to_address;            // dnat: the new destination (full length)
  int to_port = 0;                 // dnat: the new destination port
};

struct NftChain {
  std::string name, type, hook;  // type: filter or nat
  int priority = 0;
  std::vector<NftRule> rules;
};

// Parses "10.0.0.0/24" or "fd00::/64"; false when malformed.
bool ParsePrefix(const std::string& text, NftPrefix* out);

// Appends NFT_MSG_NEWCHAIN for the chain (base chain, policy accept) and one
// NFT_MSG_NEWRULE per rule, all with NLM_F_ACK, to the batch. The hook, type and
// action names must be valid (checked by the caller).
void AppendChain(NfMessages* batch, const std::string& table, const NftChain& chain);

// The hook number of "prerouting", "input", "forward", "output" or "postrouting";
// -1 else.
int HookNumber(const std::string& hook);

}  // namespace vmnet_broker
