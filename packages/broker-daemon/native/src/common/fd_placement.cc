// SPDX-License-Identifier: Apache-2.0
// PlacedFds: see fd_placement.h.
#include "common/fd_placement.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace vmnet_broker {

static void CloseAll(const std::vector<int>& fds) {
  for (int fd : fds) close(fd);
}

int PlacedFds::Place(const std::vector<FdPlacement>& placements) {
  int highest = 2;
  for (const FdPlacement& p : placements) highest = std::max({highest, p.from, p.to});
  // Copies of the sources above every number involved, so placing one cannot
  // overwrite another's source.
  std::vector<int> sources;
  for (const FdPlacement& p : placements) {
    const int copy = fcntl(p.from, F_DUPFD_CLOEXEC, highest + 1);
    if (copy < 0) {
      const int err = errno;
      CloseAll(sources);
      return err;
    }
    sources.push_back(copy);
  }
  for (size_t i = 0; i < placements.size(); i++) {
    const int number = placements[i].to;
    const int flags = fcntl(number, F_GETFD);
    Saved saved{number, -1, flags};
    if (flags >= 0) saved.copy = fcntl(number, F_DUPFD_CLOEXEC, highest + 1);
    // dup2 leaves the new number without close-on-exec.
    if ((flags >= 0 && saved.copy < 0) || dup2(sources[i], number) < 0) {
      const int err = errno;
      if (saved.copy >= 0) close(saved.copy);
      CloseAll(sources);
      Restore();
      return err;
    }
    saved_.push_back(saved);
  }
  CloseAll(sources);
  return 0;
}

void PlacedFds::Restore() {
  for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
    if (it->copy < 0) {
      close(it->number);
      continue;
    }
    dup2(it->copy, it->number);
    fcntl(it->number, F_SETFD, it->flags);
    close(it->copy);
  }
  saved_.clear();
}

}  // namespace vmnet_broker
