// SPDX-License-Identifier: Apache-2.0
// vmnet-broker-bridge-helper: a drop-in for qemu-bridge-helper. QEMU
// (-netdev bridge,br=NETWORK,helper=PATH) and libvirt session mode
// (bridge_helper in qemu.conf) run it with --br and --fd; it acquires the
// network from the broker and sends back a TAP that holds the network for as
// long as the TAP exists, so this process may exit right after. No setuid bit
// and no bridge.conf: the broker decides from the caller's uid.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "send_fd.h"
#include "vmnet-broker.h"

#define PROGRAM "vmnet-broker-bridge-helper"
// Creating a network may take a few seconds; a broker that never answers must
// not hang the VM's start forever.
#define REPLY_TIMEOUT_MS 30000u

static void usage(FILE *out) {
    fprintf(out, "usage: " PROGRAM " [--use-vnet] --br=NETWORK --fd=FD\n"
                 "Acquires NETWORK from vmnet-broker and sends a TAP on it over the unix socket FD\n"
                 "(the qemu-bridge-helper protocol). The broker's socket is $" VMNET_BROKER_SOCKET_ENV
                 ", else " VMNET_BROKER_DEFAULT_SOCKET ".\n");
}

// Says why the broker refused, in terms a QEMU or libvirt user can act on.
static void report(const char *what, const char *network, vmnet_broker_return_t status) {
    const char *detail = vmnet_broker_last_error();
    switch (status) {
    case VMNET_BROKER_TRANSPORT_FAILURE:
        fprintf(stderr,
                PROGRAM ": cannot reach vmnet-broker at %s: %s (is the broker running? set %s to use another socket)\n",
                vmnet_broker_socket_path(), detail, VMNET_BROKER_SOCKET_ENV);
        break;
    case VMNET_BROKER_NOT_FOUND:
        fprintf(stderr, PROGRAM ": no network named '%s' in vmnet-broker's configuration: %s\n", network, detail);
        break;
    case VMNET_BROKER_NOT_ALLOWED:
        fprintf(stderr, PROGRAM ": vmnet-broker does not allow this user (uid %u) network '%s': %s\n",
                (unsigned)getuid(), network, detail);
        break;
    case VMNET_BROKER_UNSUPPORTED:
        fprintf(stderr, PROGRAM ": %s on '%s': this vmnet-broker cannot keep a TAP after its opener exits (%s)\n", what,
                network, detail);
        break;
    default:
        fprintf(stderr, PROGRAM ": %s on '%s': %s: %s\n", what, network, vmnet_broker_strerror(status), detail);
        break;
    }
}

// Acquires the network and sends a TAP on it. Returns the exit status.
static int hand_over_tap(vmnet_broker_session_t *session, const helper_args_t *args) {
    vmnet_broker_return_t status = VMNET_BROKER_SUCCESS;
    vmnet_broker_network_t *network = vmnet_broker_session_acquire_network(session, args->bridge, &status);
    if (network == NULL) {
        report("acquire", args->bridge, status);
        return 1;
    }
    // The TAP, not this short-lived connection, holds the network: the lease
    // lasts until the VM closes its fd.
    int tap = -1;
    unsigned flags = args->use_vnet ? VMNET_BROKER_TAP_VNET_HDR : 0;
    int opened = vmnet_broker_session_open_tap_held_by(session, network, flags, 1, VMNET_BROKER_HOLDER_INTERFACE, &tap,
                                                       NULL, &status);
    vmnet_broker_network_free(network);
    if (opened != 0) {
        report("open a TAP", args->bridge, status);
        return 1;
    }
    int result = 0;
    if (helper_send_fd(args->fd, tap) != 0) {
        fprintf(stderr, PROGRAM ": sending the TAP over --fd=%d: %s\n", args->fd, strerror(errno));
        result = 1;
    }
    close(tap);
    return result;
}

int main(int argc, char **argv) {
    helper_args_t args;
    char error[256];
    if (helper_parse_args(argc, argv, &args, error, sizeof(error)) != 0) {
        fprintf(stderr, PROGRAM ": %s\n", error);
        usage(stderr);
        return 2;
    }
    if (args.help) {
        usage(stdout);
        return 0;
    }
    struct stat st;
    if (fstat(args.fd, &st) != 0 || !S_ISSOCK(st.st_mode)) {
        fprintf(stderr, PROGRAM ": --fd=%d is not an open unix socket\n", args.fd);
        return 1;
    }

    vmnet_broker_return_t status = VMNET_BROKER_SUCCESS;
    vmnet_broker_session_t *session = vmnet_broker_connect(NULL, &status);
    if (session == NULL) {
        report("connect", args.bridge, status);
        return 1;
    }
    // Named in the broker's status, so a bridge-helper TAP is told from a VM tool's.
    vmnet_broker_session_set_client(session, "vmnet-broker-bridge-helper", VB_CLIENT_VERSION);
    vmnet_broker_session_set_timeout_ms(session, REPLY_TIMEOUT_MS);
    int result = hand_over_tap(session, &args);
    vmnet_broker_session_close(session);
    return result;
}
