// SPDX-License-Identifier: Apache-2.0
#include "dhcp-probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"

#define BOOTP_LEN 300 /* the classic minimum BOOTP size; some servers insist */
#define DHCP_MAGIC 0x63825363u

static uint16_t ip_checksum(const uint8_t *p, size_t len) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) sum += (uint32_t)(p[i] << 8 | p[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v) {
  put16(p, (uint16_t)(v >> 16));
  put16(p + 2, (uint16_t)v);
}

static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* IPv4 + UDP (checksum 0: optional over IPv4) + BOOTP DISCOVER with the broadcast flag. */
static size_t build_discover(uint8_t *pkt, const uint8_t mac[6], uint32_t xid) {
  memset(pkt, 0, 28 + BOOTP_LEN);
  uint8_t *ip = pkt, *udp = pkt + 20, *bootp = pkt + 28;
  bootp[0] = 1; /* BOOTREQUEST */
  bootp[1] = 1; /* Ethernet */
  bootp[2] = 6;
  put32(bootp + 4, xid);
  put16(bootp + 10, 0x8000); /* broadcast the reply: we have no address yet */
  memcpy(bootp + 28, mac, 6);
  put32(bootp + 236, DHCP_MAGIC);
  uint8_t *opt = bootp + 240;
  *opt++ = 53, *opt++ = 1, *opt++ = 1;             /* DHCPDISCOVER */
  *opt++ = 55, *opt++ = 2, *opt++ = 1, *opt++ = 3; /* ask for mask and router */
  *opt++ = 255;
  put16(udp, 68);
  put16(udp + 2, 67);
  put16(udp + 4, 8 + BOOTP_LEN);
  ip[0] = 0x45;
  put16(ip + 2, 28 + BOOTP_LEN);
  ip[8] = 64;
  ip[9] = IPPROTO_UDP;
  put32(ip + 16, 0xffffffffu);
  put16(ip + 10, ip_checksum(ip, 20));
  return 28 + BOOTP_LEN;
}

/* Returns 1 when pkt is a DHCPOFFER for xid, writing yiaddr. */
static int parse_offer(const uint8_t *pkt, size_t len, uint32_t xid, uint32_t *yiaddr) {
  if (len < 20 || (pkt[0] >> 4) != 4 || pkt[9] != IPPROTO_UDP) return 0;
  size_t ihl = (size_t)(pkt[0] & 0x0f) * 4;
  if (len < ihl + 8 + 240) return 0;
  const uint8_t *udp = pkt + ihl, *bootp = udp + 8;
  if ((udp[2] << 8 | udp[3]) != 68 || bootp[0] != 2 || get32(bootp + 4) != xid || get32(bootp + 236) != DHCP_MAGIC)
    return 0;
  const uint8_t *opt = bootp + 240, *end = pkt + len;
  while (opt < end && *opt != 255) {
    if (*opt == 0) {
      opt++;
      continue;
    }
    if (opt + 2 > end || opt + 2 + opt[1] > end) return 0;
    if (opt[0] == 53 && opt[1] == 1) {
      if (opt[2] != 2) return 0; /* not an OFFER */
      *yiaddr = get32(bootp + 16);
      return 1;
    }
    opt += 2 + opt[1];
  }
  return 0;
}

static int link_up(const char *ifname, uint8_t mac[6], char *why, size_t why_len) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    snprintf(why, why_len, "socket(AF_INET) failed: %s", strerror(errno));
    return -1;
  }
  struct ifreq ifr = {0};
  snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
  const char *failed = NULL;
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
    failed = "SIOCGIFFLAGS";
  } else if (!(ifr.ifr_flags & IFF_UP)) {
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) failed = "SIOCSIFFLAGS(IFF_UP)";
  }
  if (failed == NULL && ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) failed = "SIOCGIFHWADDR";
  if (failed != NULL) {
    snprintf(why, why_len, "%s on %s failed: %s", failed, ifname, strerror(errno));
    close(fd);
    return -1;
  }
  memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
  close(fd);
  return 0;
}

int dhcp_probe(const char *ifname, int resend_ms, int timeout_ms, char *offered, size_t offered_len, char *why,
               size_t why_len) {
  unsigned index = if_nametoindex(ifname);
  if (index == 0) {
    snprintf(why, why_len, "if_nametoindex %s failed: %s", ifname, strerror(errno));
    return -1;
  }
  uint8_t mac[6];
  if (link_up(ifname, mac, why, why_len) < 0) return -1;
  int sock = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_IP));
  if (sock < 0) {
    snprintf(why, why_len, "socket(AF_PACKET) failed: %s", strerror(errno));
    return -1;
  }
  struct sockaddr_ll here = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP), .sll_ifindex = (int)index};
  if (bind(sock, (struct sockaddr *)&here, sizeof here) < 0) {
    snprintf(why, why_len, "bind(AF_PACKET, %s) failed: %s", ifname, strerror(errno));
    close(sock);
    return -1;
  }
  struct sockaddr_ll everyone = here;
  everyone.sll_halen = 6;
  memset(everyone.sll_addr, 0xff, 6);

  uint32_t xid = (uint32_t)now_ns() ^ ((uint32_t)getpid() << 16);
  uint8_t discover[28 + BOOTP_LEN];
  size_t discover_len = build_discover(discover, mac, xid);
  uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000u;
  uint64_t next_send = 0;
  int sent = 0;
  for (;;) {
    uint64_t now = now_ns();
    if (now >= deadline) {
      snprintf(why, why_len, "no DHCPOFFER on %s within %d ms (%d DISCOVERs sent)", ifname, timeout_ms, sent);
      close(sock);
      return -1;
    }
    if (now >= next_send) {
      /* ENETDOWN and friends while the link comes up: just try again later. */
      if (sendto(sock, discover, discover_len, 0, (struct sockaddr *)&everyone, sizeof everyone) >= 0) sent++;
      next_send = now + (uint64_t)resend_ms * 1000000u;
    }
    uint64_t wake = next_send < deadline ? next_send : deadline;
    struct pollfd pfd = {.fd = sock, .events = POLLIN};
    int wait_ms = (int)((wake - now + 999999u) / 1000000u);
    if (poll(&pfd, 1, wait_ms) <= 0) continue;
    uint8_t pkt[2048];
    ssize_t n = recv(sock, pkt, sizeof pkt, 0);
    uint32_t yiaddr;
    if (n > 0 && parse_offer(pkt, (size_t)n, xid, &yiaddr)) {
      struct in_addr a = {.s_addr = htonl(yiaddr)};
      inet_ntop(AF_INET, &a, offered, (socklen_t)offered_len);
      close(sock);
      return 0;
    }
  }
}
