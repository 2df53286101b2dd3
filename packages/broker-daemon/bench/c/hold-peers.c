// SPDX-License-Identifier: Apache-2.0
/*
 * Holds many peers on the broker for the memory measurement: opens --peers
 * connections, each acquires --network, then prints "holding N" and keeps every
 * connection (every lease) open until its stdin reaches end of file.
 *
 *   hold-peers --socket P [--network shared] --peers 1000
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "fail.h"
#include "frame.h"
#include "messages.h"
#include "vmnet_broker/v1/broker.pb-c.h"

/* Room for the peers plus stdio and a margin. */
static void raise_nofile(long peers) {
  struct rlimit lim;
  if (getrlimit(RLIMIT_NOFILE, &lim) < 0) die_errno("getrlimit(RLIMIT_NOFILE)");
  rlim_t want = (rlim_t)peers + 64;
  if (lim.rlim_cur >= want) return;
  if (lim.rlim_max < want) lim.rlim_max = want; /* root may raise the hard limit */
  lim.rlim_cur = want;
  if (setrlimit(RLIMIT_NOFILE, &lim) < 0) die("setrlimit(RLIMIT_NOFILE, %ld) failed: %s", (long)want, strerror(errno));
}

int main(int argc, char **argv) {
  const char *socket_path = NULL, *network = "shared";
  long peers = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--socket") == 0)
      socket_path = argv[i + 1];
    else if (strcmp(argv[i], "--network") == 0)
      network = argv[i + 1];
    else if (strcmp(argv[i], "--peers") == 0)
      peers = strtol(argv[i + 1], NULL, 10);
    else
      die("unknown flag %s", argv[i]);
  }
  if (socket_path == NULL || peers < 1 || peers > 100000)
    die("usage: hold-peers --socket P [--network NAME] --peers N (1..100000)");
  raise_nofile(peers);

  int *socks = calloc((size_t)peers, sizeof *socks);
  if (socks == NULL) die("calloc failed");
  uint8_t request[REQUEST_MAX];
  size_t len = encode_acquire(1, network, request);
  /* All requests first, then all replies: the broker sees them concurrently. */
  for (long i = 0; i < peers; i++) {
    socks[i] = connect_unix(socket_path);
    if (socks[i] < 0) die("connect %s (peer %ld) failed: %s", socket_path, i, strerror(errno));
    if (frame_send(socks[i], request, (uint32_t)len, -1) < 0) die("sendmsg (peer %ld) failed: %s", i, strerror(errno));
  }
  struct frame_reader reader;
  for (long i = 0; i < peers; i++) {
    if (frame_reader_init(&reader, socks[i], 64 * 1024) < 0) die("malloc failed");
    const uint8_t *payload;
    uint32_t got;
    int rc = frame_next(&reader, &payload, &got);
    if (rc <= 0) die("reading reply (peer %ld) failed: %s", i, rc == 0 ? "connection closed" : strerror(errno));
    char why[256];
    if (check_reply(payload, got, 1, VMNET_BROKER__V1__REPLY__RESULT_NETWORK, why, sizeof why) < 0)
      die("peer %ld: %s", i, why);
    frame_reader_free(&reader);
  }
  printf("holding %ld\n", peers);
  fflush(stdout);

  char buf[256];
  while (read(STDIN_FILENO, buf, sizeof buf) > 0) {
  }
  for (long i = 0; i < peers; i++) close(socks[i]);
  return 0;
}
