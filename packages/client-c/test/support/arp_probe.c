// SPDX-License-Identifier: Apache-2.0
#include "arp_probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { ETH_HDR = 14, ARP_LEN = 28 };

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

// A broadcast "who has target? tell sender" frame.
static void build_request(uint8_t *f, const uint8_t mac[6], uint32_t sender, uint32_t target) {
    memset(f, 0xff, 6); // broadcast
    memcpy(f + 6, mac, 6);
    f[12] = 0x08, f[13] = 0x06; // ARP
    uint8_t *a = f + ETH_HDR;
    a[0] = 0, a[1] = 1;       // Ethernet
    a[2] = 0x08, a[3] = 0x00; // IPv4
    a[4] = 6, a[5] = 4;
    a[6] = 0, a[7] = 1; // request
    memcpy(a + 8, mac, 6);
    memcpy(a + 14, &sender, 4);
    memset(a + 18, 0, 6);
    memcpy(a + 24, &target, 4);
}

static int is_reply_from(const uint8_t *f, size_t n, const uint8_t mac[6], uint32_t target) {
    if (n < ETH_HDR + ARP_LEN || f[12] != 0x08 || f[13] != 0x06) {
        return 0;
    }
    const uint8_t *a = f + ETH_HDR;
    return a[6] == 0 && a[7] == 2 && memcmp(a + 14, &target, 4) == 0 && memcmp(a + 18, mac, 6) == 0;
}

int arp_probe(int tap_fd, const char *subnet, const char *mask, const char *target, int timeout_ms, const char **why) {
    struct in_addr net, netmask, tgt;
    if (inet_pton(AF_INET, subnet, &net) != 1 || inet_pton(AF_INET, mask, &netmask) != 1 ||
        inet_pton(AF_INET, target, &tgt) != 1) {
        *why = "subnet, mask or target is not a dotted quad";
        return -1;
    }
    // Ask as the subnet's last usable address, a locally administered MAC.
    uint32_t sender = htonl((ntohl(net.s_addr) | ~ntohl(netmask.s_addr)) - 1);
    const uint8_t mac[6] = {0x02, 0x76, 0x62, 0x70, 0x72, 0x62};
    uint8_t req[ETH_HDR + ARP_LEN];
    build_request(req, mac, sender, tgt.s_addr);
    long long deadline = now_ms() + timeout_ms;
    long long next_send = 0;
    uint8_t buf[65536];
    for (;;) {
        long long now = now_ms();
        if (now >= deadline) {
            *why = "no ARP reply before the deadline";
            return -1;
        }
        if (now >= next_send) {
            if (write(tap_fd, req, sizeof(req)) != (ssize_t)sizeof(req)) {
                *why = "write to the TAP fd failed";
                return -1;
            }
            next_send = now + 250; // resend: the port may still be coming up
        }
        long long wait = (next_send < deadline ? next_send : deadline) - now;
        struct pollfd p = {.fd = tap_fd, .events = POLLIN};
        int rc = poll(&p, 1, (int)wait);
        if (rc < 0 && errno != EINTR) {
            *why = "poll on the TAP fd failed";
            return -1;
        }
        if (rc > 0) {
            ssize_t n = read(tap_fd, buf, sizeof(buf));
            if (n < 0 && errno != EAGAIN && errno != EINTR) {
                *why = "read from the TAP fd failed";
                return -1;
            }
            if (n > 0 && is_reply_from(buf, (size_t)n, mac, tgt.s_addr)) {
                return 0;
            }
        }
    }
}
