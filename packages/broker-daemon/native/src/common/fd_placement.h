// SPDX-License-Identifier: Apache-2.0
// Puts open descriptors at given numbers for a program about to be executed,
// and takes it all back if the exec fails.
#pragma once

#include <vector>

namespace vmnet_broker {

// Descriptor `from` is to appear as number `to` in the executed program.
struct FdPlacement {
  int from;
  int to;
};

// Places every `from` at its `to` without close-on-exec, whatever else used
// those numbers (placements may overlap: a `from` may be another's `to`). The
// numbers' previous descriptors are kept aside, close-on-exec, so Restore()
// can put everything back; a successful exec closes them.
class PlacedFds {
 public:
  // Returns 0, or an errno after restoring what it had done.
  int Place(const std::vector<FdPlacement>& placements);
  // Puts the numbers' previous descriptors (and flags) back.
  void Restore();

 private:
  struct Saved {
    int number;
    int copy;  // -1: the number was not open
    int flags;
  };
  std::vector<Saved> saved_;
};

}  // namespace vmnet_broker
