// SPDX-License-Identifier: Apache-2.0
// Socket I/O for the Unix transport: connect, send one frame (with optional
// SCM_RIGHTS on its first byte), receive one frame (fds via MSG_CMSG_CLOEXEC).
#ifndef VB_WIRE_H
#define VB_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame_reader.h"
#include "vmnet-broker.h"

// Connects a close-on-exec SOCK_STREAM socket to path. Returns the fd, or -1
// with the failure recorded (vb_fail) and *code set.
int vb_wire_connect(const char *path, vmnet_broker_return_t *code);

// Sends header + payload; fds (may be NULL) ride on the first byte.
vmnet_broker_return_t vb_wire_send_frame(int fd, const uint8_t *payload, size_t len, const int *fds, size_t nfds);

// Receives the next frame into *out (release it with vb_frame_release).
// timeout_ms 0 waits forever. Returns SUCCESS, XPC_FAILURE (closed, error,
// timeout) or INVALID_REPLY (oversized frame, truncated descriptors); both
// failures leave the stream unusable.
vmnet_broker_return_t vb_wire_recv_frame(int fd, vb_frame_reader_t *reader, unsigned timeout_ms, vb_frame_t *out);

// Like vb_wire_recv_frame, but a frame that does not arrive within timeout_ms
// (0: only what is buffered or readable now) is not an error: *ready stays
// false and the stream stays usable.
vmnet_broker_return_t vb_wire_poll_frame(int fd, vb_frame_reader_t *reader, unsigned timeout_ms, vb_frame_t *out,
                                         bool *ready);

#endif
