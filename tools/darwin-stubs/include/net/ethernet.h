/*
 * STUB FOR CHECKING ONLY. Not Apple's header: macOS's <net/ethernet.h> names
 * the address bytes `octet` and defines ether_addr_t (glibc's does neither),
 * so the macOS sources are checked against the macOS layout.
 */
#ifndef VMNET_BROKER_STUB_NET_ETHERNET_H
#define VMNET_BROKER_STUB_NET_ETHERNET_H

#include <sys/types.h>

#define ETHER_ADDR_LEN 6

typedef struct ether_addr {
  unsigned char octet[ETHER_ADDR_LEN]; /* u_char in Apple's header */
} ether_addr_t;

#endif
