// SPDX-License-Identifier: Apache-2.0
/*
 * Frames through two TAP fds on one bridge: writes IPv4/UDP frames of one size
 * into the first fd as fast as it can for a while, and counts those that come out
 * of the second, like two VMs' virtio queues. IPv4 so that the bridge's netfilter
 * path (br_netfilter, conntrack), if any, sees every frame.
 *
 *   tap-pump --in FD --out FD --size BYTES --seconds S --src IP --dst IP
 *
 * Prints {"size", "sent_per_s", "received_per_s"}. The fds are inherited (the
 * caller opened the TAPs). Before timing, one frame from the second fd teaches the
 * bridge where the destination MAC lives, so nothing is flooded.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "fail.h"

static const uint8_t SRC_MAC[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0a};
static const uint8_t DST_MAC[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0b};

static atomic_ulong received;
static atomic_int stop;

static uint16_t checksum(const uint8_t *p, size_t n) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < n; i += 2) sum += (uint32_t)(p[i] << 8 | p[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

/* Ethernet + IPv4 + UDP (checksum 0: none) of `size` bytes in total. */
static void build(uint8_t *f, size_t size, const uint8_t *from, const uint8_t *to, uint32_t src, uint32_t dst) {
  memset(f, 0, size);
  memcpy(f, to, 6);
  memcpy(f + 6, from, 6);
  f[12] = 0x08;
  uint8_t *ip = f + 14;
  const uint16_t ip_len = (uint16_t)(size - 14);
  ip[0] = 0x45;
  ip[2] = (uint8_t)(ip_len >> 8);
  ip[3] = (uint8_t)ip_len;
  ip[8] = 64;
  ip[9] = 17;
  memcpy(ip + 12, &src, 4);
  memcpy(ip + 16, &dst, 4);
  const uint16_t sum = checksum(ip, 20);
  ip[10] = (uint8_t)(sum >> 8);
  ip[11] = (uint8_t)sum;
  uint8_t *udp = ip + 20;
  const uint16_t udp_len = (uint16_t)(ip_len - 20);
  udp[0] = 0x9c;
  udp[1] = 0x40; /* 40000 */
  udp[2] = 0x9c;
  udp[3] = 0x41;
  udp[4] = (uint8_t)(udp_len >> 8);
  udp[5] = (uint8_t)udp_len;
}

static void *drain(void *arg) {
  const int fd = *(int *)arg;
  uint8_t buf[2048];
  struct pollfd p = {.fd = fd, .events = POLLIN};
  while (!atomic_load(&stop)) {
    if (poll(&p, 1, 50) <= 0) continue;
    while (read(fd, buf, sizeof buf) > 0) atomic_fetch_add(&received, 1);
  }
  return NULL;
}

int main(int argc, char **argv) {
  int in = -1, out = -1, size = 0;
  double seconds = 0;
  uint32_t src = 0, dst = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--in"))
      in = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--out"))
      out = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--size"))
      size = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--seconds"))
      seconds = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--src"))
      inet_pton(AF_INET, argv[i + 1], &src);
    else if (!strcmp(argv[i], "--dst"))
      inet_pton(AF_INET, argv[i + 1], &dst);
    else
      die("unknown option %s", argv[i]);
  }
  if (in < 0 || out < 0 || size < 60 || size > 1514 || seconds <= 0 || !src || !dst)
    die("usage: tap-pump --in FD --out FD --size 60..1514 --seconds S --src IP --dst IP");
  fcntl(out, F_SETFL, fcntl(out, F_GETFL) | O_NONBLOCK);
  uint8_t frame[1514];
  /* Teach the bridge that DST_MAC is behind `out`, then let it settle. */
  build(frame, 60, DST_MAC, SRC_MAC, dst, src);
  if (write(out, frame, 60) < 0) die("write to fd %d: %s", out, strerror(errno));
  usleep(100000);
  uint8_t junk[2048];
  while (read(out, junk, sizeof junk) > 0) {
  }
  pthread_t reader;
  pthread_create(&reader, NULL, drain, &out);
  build(frame, (size_t)size, SRC_MAC, DST_MAC, src, dst);
  unsigned long sent = 0;
  const uint64_t start = now_ns();
  const uint64_t end = start + (uint64_t)(seconds * 1e9);
  uint64_t now = start;
  while (now < end) {
    for (int i = 0; i < 64; i++) {
      if (write(in, frame, (size_t)size) == size) sent++;
    }
    now = now_ns();
  }
  usleep(100000); /* frames still in flight count as received, not as time */
  atomic_store(&stop, 1);
  pthread_join(reader, NULL);
  const double elapsed = (double)(now - start) / 1e9;
  printf("{\"size\":%d,\"sent_per_s\":%.0f,\"received_per_s\":%.0f}\n", size, sent / elapsed,
         atomic_load(&received) / elapsed);
  return 0;
}
