// SPDX-License-Identifier: Apache-2.0
#include "frame.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

static uint32_t get_be32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

int frame_send(int sock, const uint8_t *payload, uint32_t len, int pass_fd) {
  uint8_t header[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len};
  struct iovec iov[2] = {{header, 4}, {(void *)payload, len}};
  union {
    struct cmsghdr align;
    char bytes[CMSG_SPACE(sizeof(int))];
  } control;
  struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
  if (pass_fd >= 0) {
    memset(&control, 0, sizeof control);
    msg.msg_control = control.bytes;
    msg.msg_controllen = sizeof control.bytes;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
  }
  size_t left = 4u + len;
  while (left > 0) {
    ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    left -= (size_t)n;
    msg.msg_control = NULL; /* the descriptor went with the first byte */
    msg.msg_controllen = 0;
    while (n > 0 && msg.msg_iovlen > 0) {
      if ((size_t)n >= msg.msg_iov->iov_len) {
        n -= (ssize_t)msg.msg_iov->iov_len;
        msg.msg_iov++;
        msg.msg_iovlen--;
      } else {
        msg.msg_iov->iov_base = (uint8_t *)msg.msg_iov->iov_base + n;
        msg.msg_iov->iov_len -= (size_t)n;
        n = 0;
      }
    }
  }
  return 0;
}

int frame_reader_init(struct frame_reader *r, int sock, size_t cap) {
  r->sock = sock;
  r->cap = cap;
  r->start = r->end = 0;
  r->buf = malloc(cap);
  return r->buf == NULL ? -1 : 0;
}

void frame_reader_free(struct frame_reader *r) {
  free(r->buf);
  r->buf = NULL;
}

int frame_take_buffered(struct frame_reader *r, const uint8_t **payload, uint32_t *len) {
  size_t have = r->end - r->start;
  if (have < 4) return 0;
  uint32_t n = get_be32(r->buf + r->start);
  if ((size_t)n + 4 > r->cap) {
    errno = EMSGSIZE;
    return -1;
  }
  if (have < (size_t)n + 4) return 0;
  *payload = r->buf + r->start + 4;
  *len = n;
  r->start += (size_t)n + 4;
  return 1;
}

long frame_fill(struct frame_reader *r) {
  if (r->start == r->end) {
    r->start = r->end = 0;
  } else if (r->end == r->cap) {
    /* Move the partial frame to the front to make room. */
    memmove(r->buf, r->buf + r->start, r->end - r->start);
    r->end -= r->start;
    r->start = 0;
  }
  ssize_t n;
  do {
    n = recv(r->sock, r->buf + r->end, r->cap - r->end, 0);
  } while (n < 0 && errno == EINTR);
  if (n > 0) r->end += (size_t)n;
  return (long)n;
}

int frame_next(struct frame_reader *r, const uint8_t **payload, uint32_t *len) {
  for (;;) {
    int got = frame_take_buffered(r, payload, len);
    if (got != 0) return got;
    long n = frame_fill(r);
    if (n < 0) return -1;
    if (n == 0) {
      if (r->end == r->start) return 0;
      errno = EPIPE;
      return -1;
    }
  }
}
