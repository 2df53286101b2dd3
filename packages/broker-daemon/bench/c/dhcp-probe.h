// SPDX-License-Identifier: Apache-2.0
/*
 * A minimal DHCP probe: broadcasts DHCPDISCOVER on an interface of the current
 * network namespace (AF_PACKET, so the interface needs no address and no route)
 * and waits for a DHCPOFFER with the same transaction id. The same probe ends
 * both the broker's and the shell floor's cold-creation measurement.
 */
#ifndef BENCH_DHCP_PROBE_H
#define BENCH_DHCP_PROBE_H

#include <stddef.h>

/*
 * Sets the interface up, then sends a DISCOVER every resend_ms until an OFFER
 * arrives or timeout_ms passes. On success writes the offered address into
 * offered and returns 0. Returns -1 with a message in why otherwise.
 */
int dhcp_probe(const char *ifname, int resend_ms, int timeout_ms, char *offered, size_t offered_len, char *why,
               size_t why_len);

#endif
