// SPDX-License-Identifier: Apache-2.0
/*
 * The broker's side of the cold-creation measurement, from a client's point of
 * view: connect, acquire a network that does not exist yet, open a veth into a
 * guest namespace (its fd travels with the request), then probe DHCP from the
 * guest until the network's dnsmasq offers an address.
 *
 *   cold-broker --socket P --guest-netns PATH [--network shared] [--ifname eth0]
 *               [--timeout-ms 20000] [--resend-ms 10]
 *
 * Prints one JSON object with the total and each step's share, in milliseconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "dhcp-probe.h"
#include "fail.h"
#include "frame.h"
#include "messages.h"
#include "netns.h"
#include "vmnet_broker/v1/broker.pb-c.h"

static void call(int sock, struct frame_reader *reader, const uint8_t *req, size_t len, uint32_t id, int pass_fd,
                 int want, const char *what) {
  if (frame_send(sock, req, (uint32_t)len, pass_fd) < 0) die("%s: sendmsg failed: %s", what, strerror(errno));
  const uint8_t *payload;
  uint32_t got;
  int rc = frame_next(reader, &payload, &got);
  if (rc <= 0) die("%s: reading the reply failed: %s", what, rc == 0 ? "connection closed" : strerror(errno));
  char why[256];
  if (check_reply(payload, got, id, want, why, sizeof why) < 0) die("%s: %s", what, why);
}

int main(int argc, char **argv) {
  const char *socket_path = NULL, *guest = NULL, *network = "shared", *ifname = "eth0";
  int timeout_ms = 20000, resend_ms = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--socket") == 0)
      socket_path = argv[i + 1];
    else if (strcmp(argv[i], "--guest-netns") == 0)
      guest = argv[i + 1];
    else if (strcmp(argv[i], "--network") == 0)
      network = argv[i + 1];
    else if (strcmp(argv[i], "--ifname") == 0)
      ifname = argv[i + 1];
    else if (strcmp(argv[i], "--timeout-ms") == 0)
      timeout_ms = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--resend-ms") == 0)
      resend_ms = atoi(argv[i + 1]);
    else
      die("unknown flag %s", argv[i]);
  }
  if (socket_path == NULL || guest == NULL || timeout_ms < 1 || timeout_ms > 120000 || resend_ms < 1)
    die("usage: cold-broker --socket P --guest-netns PATH [--network N] [--ifname IF] [--timeout-ms N]");
  int guest_fd = open_netns(guest);

  uint64_t t0 = now_ns();
  int sock = connect_unix(socket_path);
  if (sock < 0) die("connect %s failed: %s", socket_path, strerror(errno));
  struct frame_reader reader;
  if (frame_reader_init(&reader, sock, FRAME_MAX_REPLY + 4) < 0) die("malloc failed");
  uint8_t req[REQUEST_MAX];
  call(sock, &reader, req, encode_acquire(1, network, req), 1, -1, VMNET_BROKER__V1__REPLY__RESULT_NETWORK, "acquire");
  uint64_t t1 = now_ns();
  call(sock, &reader, req, encode_open_veth(2, network, ifname, req), 2, guest_fd,
       VMNET_BROKER__V1__REPLY__RESULT_INTERFACE, "open_interface veth");
  uint64_t t2 = now_ns();
  enter_netns(guest_fd, guest);
  char offered[64], why[256];
  if (dhcp_probe(ifname, resend_ms, timeout_ms, offered, sizeof offered, why, sizeof why) < 0) die("%s", why);
  uint64_t t3 = now_ns();
  printf("{\"total_ms\":%.3f,\"acquire_ms\":%.3f,\"attach_ms\":%.3f,\"dhcp_ms\":%.3f,\"offered\":\"%s\"}\n",
         (double)(t3 - t0) / 1e6, (double)(t1 - t0) / 1e6, (double)(t2 - t1) / 1e6, (double)(t3 - t2) / 1e6, offered);
  return 0;
}
