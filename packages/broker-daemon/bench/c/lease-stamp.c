// SPDX-License-Identifier: Apache-2.0
/*
 * The floor's dnsmasq --dhcp-script: the first thing it does is read
 * CLOCK_MONOTONIC, then it appends "<action> <mac> <ip> <ns>" to the file named
 * by $LEASE_STAMP_FILE (dnsmasq passes its environment on to the script). Written
 * in C so that the time from dnsmasq's decision to the stamp is the hook's own
 * start (fork + exec), not an interpreter's.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "fail.h"

int main(int argc, char **argv) {
  uint64_t at = now_ns();
  const char *path = getenv("LEASE_STAMP_FILE");
  if (path == NULL || path[0] == '\0') die("lease-stamp: LEASE_STAMP_FILE is not set");
  /* dnsmasq calls "init" without a MAC; only lease events are stamped. */
  if (argc < 4) return 0;
  char line[256];
  int n = snprintf(line, sizeof line, "%s %s %s %llu\n", argv[1], argv[2], argv[3], (unsigned long long)at);
  if (n < 0 || (size_t)n >= sizeof line) die("lease-stamp: arguments too long");
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) die("open %s failed: %s", path, strerror(errno));
  /* One write with O_APPEND: lines of concurrent hooks never interleave. */
  if (write(fd, line, (size_t)n) != n) die("write %s failed: %s", path, strerror(errno));
  close(fd);
  return 0;
}
