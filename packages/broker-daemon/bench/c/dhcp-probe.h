// SPDX-License-Identifier: Apache-2.0
/*
 * A minimal DHCP client for the benchmarks: broadcasts on an interface of the
 * current network namespace (AF_PACKET, so the interface needs no address and no
 * route). dhcp_probe stops at the first DHCPOFFER (it ends both sides of the cold
 * creation measurement); dhcp_lease completes DISCOVER, OFFER, REQUEST, ACK and
 * timestamps the ACK (the start of both sides of the lease latency measurement).
 * Neither configures the address: the guest namespaces are thrown away.
 */
#ifndef BENCH_DHCP_PROBE_H
#define BENCH_DHCP_PROBE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Sets the interface up, then sends a DISCOVER every resend_ms until an OFFER
 * arrives or timeout_ms passes. On success writes the offered address into
 * offered and returns 0. Returns -1 with a message in why otherwise.
 */
int dhcp_probe(const char *ifname, int resend_ms, int timeout_ms, char *offered, size_t offered_len, char *why,
               size_t why_len);

struct dhcp_lease_result {
  char ip[16];       /* the acknowledged address, dotted quad */
  char mac[18];      /* the interface's MAC, lower case */
  uint64_t offer_ns; /* CLOCK_MONOTONIC when the OFFER was received */
  uint64_t ack_ns;   /* CLOCK_MONOTONIC when the ACK was received */
};

/*
 * Sets the interface up and runs a whole exchange, resending each message every
 * resend_ms, within timeout_ms in all. Returns 0 with out filled, or -1 with a
 * message in why (no answer, a NAK, a syscall that failed).
 */
int dhcp_lease(const char *ifname, int resend_ms, int timeout_ms, struct dhcp_lease_result *out, char *why,
               size_t why_len);

#endif
