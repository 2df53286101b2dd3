// SPDX-License-Identifier: Apache-2.0
// Hands a file descriptor to the process at the other end of a unix socket.
#ifndef VMNET_BROKER_BRIDGE_HELPER_SEND_FD_H
#define VMNET_BROKER_BRIDGE_HELPER_SEND_FD_H

// Sends fd over socket as SCM_RIGHTS on a 1-byte message, the way QEMU's
// recv_fd() and libvirt's virNetDevTapCreateInBridgePort helper path read it.
// Returns 0, or -1 with errno set.
int helper_send_fd(int socket, int fd);

#endif
