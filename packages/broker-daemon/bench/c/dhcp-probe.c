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

#define DHCPDISCOVER 1
#define DHCPOFFER 2
#define DHCPREQUEST 3
#define DHCPACK 5
#define DHCPNAK 6

/*
 * IPv4 + UDP (checksum 0: optional over IPv4) + BOOTP with the broadcast flag: a
 * DISCOVER, or a REQUEST for `requested` from `server` (the SELECTING state).
 */
static size_t build_message(uint8_t *pkt, int type, const uint8_t mac[6], uint32_t xid, uint32_t requested,
                            uint32_t server) {
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
  *opt++ = 53, *opt++ = 1, *opt++ = (uint8_t)type;
  if (type == DHCPREQUEST) {
    *opt++ = 50, *opt++ = 4, put32(opt, requested), opt += 4;
    *opt++ = 54, *opt++ = 4, put32(opt, server), opt += 4;
  }
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

struct reply {
  int type;        /* option 53 */
  uint32_t yiaddr; /* the address offered or acknowledged */
  uint32_t server; /* option 54, 0 when absent */
};

/* Returns 1 when pkt is a DHCP reply for xid, filling r. */
static int parse_reply(const uint8_t *pkt, size_t len, uint32_t xid, struct reply *r) {
  if (len < 20 || (pkt[0] >> 4) != 4 || pkt[9] != IPPROTO_UDP) return 0;
  size_t ihl = (size_t)(pkt[0] & 0x0f) * 4;
  if (len < ihl + 8 + 240) return 0;
  const uint8_t *udp = pkt + ihl, *bootp = udp + 8;
  if ((udp[2] << 8 | udp[3]) != 68 || bootp[0] != 2 || get32(bootp + 4) != xid || get32(bootp + 236) != DHCP_MAGIC)
    return 0;
  *r = (struct reply){.yiaddr = get32(bootp + 16)};
  const uint8_t *opt = bootp + 240, *end = pkt + len;
  while (opt < end && *opt != 255) {
    if (*opt == 0) {
      opt++;
      continue;
    }
    if (opt + 2 > end || opt + 2 + opt[1] > end) return 0;
    if (opt[0] == 53 && opt[1] == 1) r->type = opt[2];
    if (opt[0] == 54 && opt[1] == 4) r->server = get32(opt + 2);
    opt += 2 + opt[1];
  }
  return r->type != 0;
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

/* An AF_PACKET socket on ifname, brought up; fills mac. -1 with why on failure. */
static int open_probe(const char *ifname, uint8_t mac[6], struct sockaddr_ll *everyone, char *why, size_t why_len) {
  unsigned index = if_nametoindex(ifname);
  if (index == 0) {
    snprintf(why, why_len, "if_nametoindex %s failed: %s", ifname, strerror(errno));
    return -1;
  }
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
  *everyone = here;
  everyone->sll_halen = 6;
  memset(everyone->sll_addr, 0xff, 6);
  return sock;
}

/*
 * Broadcasts msg every resend_ms until a reply for xid of type `want` (or a NAK)
 * arrives or the deadline passes. Returns 0 with the reply and its arrival time
 * (CLOCK_MONOTONIC ns, read as soon as recv returns), else -1 with why.
 */
static int exchange(int sock, const struct sockaddr_ll *everyone, const uint8_t *msg, size_t msg_len, uint32_t xid,
                    int want, int resend_ms, uint64_t deadline, struct reply *r, uint64_t *at_ns, char *why,
                    size_t why_len) {
  uint64_t next_send = 0;
  int sent = 0;
  for (;;) {
    uint64_t now = now_ns();
    if (now >= deadline) {
      snprintf(why, why_len, "no DHCP%s within the timeout (%d %s sent)", want == DHCPOFFER ? "OFFER" : "ACK", sent,
               want == DHCPOFFER ? "DISCOVERs" : "REQUESTs");
      return -1;
    }
    if (now >= next_send) {
      /* ENETDOWN and friends while the link comes up: just try again later. */
      if (sendto(sock, msg, msg_len, 0, (const struct sockaddr *)everyone, sizeof *everyone) >= 0) sent++;
      next_send = now + (uint64_t)resend_ms * 1000000u;
    }
    uint64_t wake = next_send < deadline ? next_send : deadline;
    struct pollfd pfd = {.fd = sock, .events = POLLIN};
    int wait_ms = (int)((wake - now + 999999u) / 1000000u);
    if (poll(&pfd, 1, wait_ms) <= 0) continue;
    uint8_t pkt[2048];
    ssize_t n = recv(sock, pkt, sizeof pkt, 0);
    uint64_t arrived = now_ns();
    if (n <= 0 || !parse_reply(pkt, (size_t)n, xid, r)) continue;
    if (r->type == DHCPNAK && want == DHCPACK) {
      snprintf(why, why_len, "the server answered the REQUEST with a DHCPNAK");
      return -1;
    }
    if (r->type == want) {
      *at_ns = arrived;
      return 0;
    }
  }
}

static void format_ip(uint32_t addr, char *out, size_t out_len) {
  struct in_addr a = {.s_addr = htonl(addr)};
  inet_ntop(AF_INET, &a, out, (socklen_t)out_len);
}

int dhcp_probe(const char *ifname, int resend_ms, int timeout_ms, char *offered, size_t offered_len, char *why,
               size_t why_len) {
  uint8_t mac[6];
  struct sockaddr_ll everyone;
  int sock = open_probe(ifname, mac, &everyone, why, why_len);
  if (sock < 0) return -1;
  uint32_t xid = (uint32_t)now_ns() ^ ((uint32_t)getpid() << 16);
  uint8_t msg[28 + BOOTP_LEN];
  size_t len = build_message(msg, DHCPDISCOVER, mac, xid, 0, 0);
  uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000u, at;
  struct reply offer;
  int rc = exchange(sock, &everyone, msg, len, xid, DHCPOFFER, resend_ms, deadline, &offer, &at, why, why_len);
  close(sock);
  if (rc == 0) format_ip(offer.yiaddr, offered, offered_len);
  return rc;
}

int dhcp_lease(const char *ifname, int resend_ms, int timeout_ms, struct dhcp_lease_result *out, char *why,
               size_t why_len) {
  uint8_t mac[6];
  struct sockaddr_ll everyone;
  int sock = open_probe(ifname, mac, &everyone, why, why_len);
  if (sock < 0) return -1;
  uint32_t xid = (uint32_t)now_ns() ^ ((uint32_t)getpid() << 16);
  uint8_t msg[28 + BOOTP_LEN];
  size_t len = build_message(msg, DHCPDISCOVER, mac, xid, 0, 0);
  uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000u, offer_at;
  struct reply offer, ack;
  int rc = exchange(sock, &everyone, msg, len, xid, DHCPOFFER, resend_ms, deadline, &offer, &offer_at, why, why_len);
  if (rc == 0 && offer.server == 0) {
    snprintf(why, why_len, "the DHCPOFFER names no server (option 54)");
    rc = -1;
  }
  if (rc == 0) {
    len = build_message(msg, DHCPREQUEST, mac, xid, offer.yiaddr, offer.server);
    rc = exchange(sock, &everyone, msg, len, xid, DHCPACK, resend_ms, deadline, &ack, &out->ack_ns, why, why_len);
  }
  close(sock);
  if (rc < 0) return -1;
  out->offer_ns = offer_at;
  format_ip(ack.yiaddr, out->ip, sizeof out->ip);
  snprintf(out->mac, sizeof out->mac, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
  return 0;
}
