// SPDX-License-Identifier: Apache-2.0
/*
 * The DHCP probe as a command, for the shell-script floor:
 *
 *   dhcp-probe --ifname eth0 [--netns PATH] [--timeout-ms 10000] [--resend-ms 10] [--lease]
 *
 * Prints {"offered": "<ip>", "ms": <probe time>, "start_us", "end_us"} (wall clock in
 * microseconds, comparable with bash's $EPOCHREALTIME) and exits 0 on a DHCPOFFER,
 * else names the failure on stderr and exits 1.
 *
 * With --lease it goes on to REQUEST the offered address and prints
 * {"ip", "mac", "offer_ns", "ack_ns"} once the ACK is in: CLOCK_MONOTONIC
 * nanoseconds, the clock of Node's process.hrtime.bigint() on Linux.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "dhcp-probe.h"
#include "fail.h"
#include "netns.h"

int main(int argc, char **argv) {
  const char *ifname = NULL, *netns = NULL;
  int timeout_ms = 10000, resend_ms = 10, lease = 0;
  for (int i = 1; i < argc; i += 2) {
    if (strcmp(argv[i], "--lease") == 0) {
      lease = 1;
      i--;
    } else if (i + 1 == argc)
      die("%s needs a value", argv[i]);
    else if (strcmp(argv[i], "--ifname") == 0)
      ifname = argv[i + 1];
    else if (strcmp(argv[i], "--netns") == 0)
      netns = argv[i + 1];
    else if (strcmp(argv[i], "--timeout-ms") == 0)
      timeout_ms = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--resend-ms") == 0)
      resend_ms = atoi(argv[i + 1]);
    else
      die("unknown flag %s", argv[i]);
  }
  if (ifname == NULL || timeout_ms < 1 || timeout_ms > 120000 || resend_ms < 1)
    die("usage: dhcp-probe --ifname IF [--netns PATH] [--timeout-ms 1..120000] [--resend-ms N] [--lease]");
  if (netns != NULL) enter_netns(open_netns(netns), netns);
  char why[256];
  if (lease) {
    struct dhcp_lease_result got;
    if (dhcp_lease(ifname, resend_ms, timeout_ms, &got, why, sizeof why) < 0) die("%s", why);
    printf("{\"ip\":\"%s\",\"mac\":\"%s\",\"offer_ns\":%llu,\"ack_ns\":%llu}\n", got.ip, got.mac,
           (unsigned long long)got.offer_ns, (unsigned long long)got.ack_ns);
    return 0;
  }
  uint64_t start_us = realtime_us(), t0 = now_ns();
  char offered[64];
  if (dhcp_probe(ifname, resend_ms, timeout_ms, offered, sizeof offered, why, sizeof why) < 0) die("%s", why);
  uint64_t t1 = now_ns(), end_us = realtime_us();
  printf("{\"offered\":\"%s\",\"ms\":%.3f,\"start_us\":%llu,\"end_us\":%llu}\n", offered, (double)(t1 - t0) / 1e6,
         (unsigned long long)start_us, (unsigned long long)end_us);
  return 0;
}
