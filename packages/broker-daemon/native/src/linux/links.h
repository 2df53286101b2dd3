// SPDX-License-Identifier: Apache-2.0
// The links of the calling thread's namespace, read with one RTM_GETLINK dump.
#pragma once

#include <map>
#include <string>

namespace vmnet_broker {

struct Link {
  std::string name;
  std::string kind;     // IFLA_INFO_KIND: "bridge", "veth", "tun", or ""
  unsigned master = 0;  // index of its bridge, 0 when none
};

// Fills *links by index: 0, or an errno with the failing step in *step.
int DumpLinks(std::map<unsigned, Link>* links, std::string* step);

}  // namespace vmnet_broker
