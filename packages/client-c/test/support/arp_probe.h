// SPDX-License-Identifier: Apache-2.0
// Sends ARP requests for an IPv4 address out of a TAP fd (no vnet header) and
// waits for the reply: proof that the TAP is attached to a live bridge.
#ifndef VB_ARP_PROBE_H
#define VB_ARP_PROBE_H

// subnet/mask/target are dotted quads from the network description. Returns 0
// when `target` answered within timeout_ms, else -1 with *why set to a static
// description of what failed.
int arp_probe(int tap_fd, const char *subnet, const char *mask, const char *target, int timeout_ms, const char **why);

#endif
