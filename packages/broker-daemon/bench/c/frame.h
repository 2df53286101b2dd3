// SPDX-License-Identifier: Apache-2.0
/*
 * The Unix transport's framing (protocol/README.md): a 4-byte big-endian length,
 * then the encoded message. Used by every benchmark program on both sides.
 */
#ifndef BENCH_FRAME_H
#define BENCH_FRAME_H

#include <stddef.h>
#include <stdint.h>

/* The protocol's largest reply payload. */
#define FRAME_MAX_REPLY (4u * 1024u * 1024u)

/*
 * Sends one frame with a single sendmsg where the kernel allows (header and
 * payload in one iovec pair). pass_fd >= 0 rides as SCM_RIGHTS on the first byte.
 * Returns 0, or -1 with errno set.
 */
int frame_send(int sock, const uint8_t *payload, uint32_t len, int pass_fd);

/* A buffered reader: one recv usually brings in a whole small frame. */
struct frame_reader {
  int sock;
  uint8_t *buf;
  size_t cap;
  size_t start; /* first unconsumed byte */
  size_t end;   /* one past the last received byte */
};

/* cap bounds the largest frame (header included) this reader accepts. */
int frame_reader_init(struct frame_reader *r, int sock, size_t cap);
void frame_reader_free(struct frame_reader *r);

/*
 * Blocks until a whole frame is buffered; points *payload into the buffer (valid
 * until the next call). Returns 1 on a frame, 0 on a clean end of stream before a
 * frame starts, -1 on error (errno set; EMSGSIZE for an oversized frame, EPIPE
 * for an end of stream inside a frame).
 */
int frame_next(struct frame_reader *r, const uint8_t **payload, uint32_t *len);

/*
 * Non-blocking variant for event loops: takes a frame already buffered, without
 * reading. Returns 1 on a frame, 0 when more bytes are needed, -1 for an oversized
 * frame.
 */
int frame_take_buffered(struct frame_reader *r, const uint8_t **payload, uint32_t *len);

/* Reads once into the buffer; returns recv's result (0: end of stream). */
long frame_fill(struct frame_reader *r);

#endif
