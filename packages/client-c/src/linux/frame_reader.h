// SPDX-License-Identifier: Apache-2.0
// Reassembles length-prefixed frames from a byte stream and attaches received
// file descriptors to frames by the rule of protocol/README.md: the fds of one
// recvmsg belong to the last frame that starts in that recvmsg's bytes.
// Pure: no I/O, so it can be fuzzed and unit tested.
#ifndef VB_FRAME_READER_H
#define VB_FRAME_READER_H

#include <stddef.h>
#include <stdint.h>

#define VB_FRAME_HEADER_SIZE 4u
#define VB_MAX_REQUEST_PAYLOAD 65536u
#define VB_MAX_REPLY_PAYLOAD 4194304u

typedef struct vb_fd_chunk vb_fd_chunk_t;

typedef struct {
    uint8_t *buf;       // stream bytes; buf[off..len) are not yet consumed
    size_t off;         // consumed bytes at the front, dropped at the next feed
    size_t len;         // bytes in buf
    size_t cap;         // allocated size of buf
    uint64_t base;      // stream offset of buf[off]
    size_t max_payload; // larger frames are rejected
    vb_fd_chunk_t *fds; // pending descriptors, oldest first
} vb_frame_reader_t;

typedef struct {
    const uint8_t *payload; // points into the reader; valid until the next feed or destroy
    size_t len;
    int *fds; // owned by the frame (malloc'd), NULL when nfds == 0
    size_t nfds;
} vb_frame_t;

typedef enum {
    VB_FRAME_NEED_MORE = 0, // no complete frame buffered
    VB_FRAME_READY = 1,     // *out holds the next frame
    VB_FRAME_TOO_BIG = 2,   // the next frame's header exceeds max_payload: the stream cannot resync
    VB_FRAME_NO_MEMORY = 3
} vb_frame_status_t;

void vb_frame_reader_init(vb_frame_reader_t *r, size_t max_payload);

// Appends the bytes of one recvmsg and the descriptors that came with it. The
// reader takes ownership of fds (it closes them if they end up unused).
// Returns 0, or -1 when out of memory (the fds are closed).
int vb_frame_reader_feed(vb_frame_reader_t *r, const uint8_t *data, size_t n, const int *fds, size_t nfds);

// Extracts the next complete frame.
vb_frame_status_t vb_frame_reader_next(vb_frame_reader_t *r, vb_frame_t *out);

// Closes the frame's descriptors that the caller did not take (set to -1 the
// ones it took) and frees the array.
void vb_frame_release(vb_frame_t *frame);

// Frees the buffer and closes every pending descriptor.
void vb_frame_reader_destroy(vb_frame_reader_t *r);

// Writes the 4-byte big-endian header for a payload of `len` bytes.
void vb_frame_put_header(uint8_t header[VB_FRAME_HEADER_SIZE], uint32_t len);

#endif
