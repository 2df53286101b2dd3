// SPDX-License-Identifier: Apache-2.0
// The command line QEMU and libvirt give a bridge helper:
//   HELPER [--use-vnet] --br=BRIDGE --fd=FD
#ifndef VMNET_BROKER_BRIDGE_HELPER_ARGS_H
#define VMNET_BROKER_BRIDGE_HELPER_ARGS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    bool use_vnet;      // ask for IFF_VNET_HDR (QEMU always passes it)
    const char *bridge; // the network name (points into argv)
    int fd;             // the unix socket to send the TAP fd over
    bool help;          // --help: print usage, do nothing else
} helper_args_t;

// Fills *out from argv. Returns 0, or -1 with a reason in error[0..size-1].
int helper_parse_args(int argc, char **argv, helper_args_t *out, char *error, size_t size);

#endif
