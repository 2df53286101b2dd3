// SPDX-License-Identifier: Apache-2.0
/* Entering a network namespace given as a path (/proc/PID/ns/net, /run/netns/NAME). */
#ifndef BENCH_NETNS_H
#define BENCH_NETNS_H

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include "fail.h"

static inline int open_netns(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die("open %s failed: %s", path, strerror(errno));
  return fd;
}

static inline void enter_netns(int fd, const char *path) {
  if (setns(fd, CLONE_NEWNET) < 0) die("setns(%s, CLONE_NEWNET) failed: %s", path, strerror(errno));
}

#endif
