// SPDX-License-Identifier: Apache-2.0
// A descriptor closed on scope exit (negative: none, as a failed call returns).
#pragma once

#include <unistd.h>

namespace vmnet_broker {

class OwnedFd {
 public:
  explicit OwnedFd(int fd) : fd_(fd) {}
  ~OwnedFd() {
    if (fd_ >= 0) close(fd_);
  }
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

}  // namespace vmnet_broker
