// SPDX-License-Identifier: Apache-2.0
#include "frame_reader.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// The descriptors one recvmsg delivered, and the stream bytes [start, end) it
// returned with them.
struct vb_fd_chunk {
    uint64_t start;
    uint64_t end;
    int *fds;
    size_t nfds;
    vb_fd_chunk_t *next;
};

static void close_all(const int *fds, size_t nfds) {
    for (size_t i = 0; i < nfds; i++) {
        if (fds[i] >= 0) {
            close(fds[i]);
        }
    }
}

static void free_chunk(vb_fd_chunk_t *c, int close_fds) {
    if (close_fds) {
        close_all(c->fds, c->nfds);
    }
    free(c->fds);
    free(c);
}

void vb_frame_reader_init(vb_frame_reader_t *r, size_t max_payload) {
    memset(r, 0, sizeof(*r));
    r->max_payload = max_payload;
}

void vb_frame_put_header(uint8_t header[VB_FRAME_HEADER_SIZE], uint32_t len) {
    header[0] = (uint8_t)(len >> 24);
    header[1] = (uint8_t)(len >> 16);
    header[2] = (uint8_t)(len >> 8);
    header[3] = (uint8_t)len;
}

static uint32_t get_header(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

int vb_frame_reader_feed(vb_frame_reader_t *r, const uint8_t *data, size_t n, const int *fds, size_t nfds) {
    if (r->off > 0) {
        memmove(r->buf, r->buf + r->off, r->len - r->off);
        r->len -= r->off;
        r->off = 0;
    }
    uint64_t start = r->base + r->len;
    if (r->len + n > r->cap) {
        size_t cap = r->cap ? r->cap : 4096;
        while (cap < r->len + n) {
            cap *= 2;
        }
        uint8_t *buf = realloc(r->buf, cap);
        if (buf == NULL) {
            close_all(fds, nfds);
            return -1;
        }
        r->buf = buf;
        r->cap = cap;
    }
    if (n > 0) {
        memcpy(r->buf + r->len, data, n);
    }
    r->len += n;
    if (nfds == 0) {
        return 0;
    }
    if (n == 0) {
        // Descriptors with no bytes belong to no frame.
        close_all(fds, nfds);
        return 0;
    }
    vb_fd_chunk_t *c = calloc(1, sizeof(*c));
    int *copy = malloc(nfds * sizeof(int));
    if (c == NULL || copy == NULL) {
        free(c);
        free(copy);
        close_all(fds, nfds);
        return -1;
    }
    memcpy(copy, fds, nfds * sizeof(int));
    c->start = start;
    c->end = start + n;
    c->fds = copy;
    c->nfds = nfds;
    vb_fd_chunk_t **tail = &r->fds;
    while (*tail != NULL) {
        tail = &(*tail)->next;
    }
    *tail = c;
    return 0;
}

// Gives the frame [start, end) the descriptors of the chunk it is the last
// frame to start in, and closes descriptors of chunks inside the frame where
// no frame starts.
static void attach_fds(vb_frame_reader_t *r, uint64_t start, uint64_t end, vb_frame_t *out) {
    vb_fd_chunk_t **link = &r->fds;
    while (*link != NULL) {
        vb_fd_chunk_t *c = *link;
        int mine = c->start <= start && start < c->end && end >= c->end;
        int orphan = c->start > start && c->end <= end;
        int stale = c->end <= start;
        if (mine && out->fds == NULL) {
            out->fds = c->fds;
            out->nfds = c->nfds;
            *link = c->next;
            free(c);
        } else if (mine || orphan || stale) {
            *link = c->next;
            free_chunk(c, 1);
        } else {
            link = &c->next;
        }
    }
}

vb_frame_status_t vb_frame_reader_next(vb_frame_reader_t *r, vb_frame_t *out) {
    memset(out, 0, sizeof(*out));
    size_t avail = r->len - r->off;
    if (avail < VB_FRAME_HEADER_SIZE) {
        return VB_FRAME_NEED_MORE;
    }
    const uint8_t *frame = r->buf + r->off;
    uint32_t len = get_header(frame);
    if (len > r->max_payload) {
        return VB_FRAME_TOO_BIG;
    }
    size_t total = VB_FRAME_HEADER_SIZE + (size_t)len;
    if (avail < total) {
        return VB_FRAME_NEED_MORE;
    }
    attach_fds(r, r->base, r->base + total, out);
    out->payload = frame + VB_FRAME_HEADER_SIZE;
    out->len = len;
    // The bytes stay in place until the next feed, so `payload` stays valid.
    r->off += total;
    r->base += total;
    return VB_FRAME_READY;
}

void vb_frame_release(vb_frame_t *frame) {
    close_all(frame->fds, frame->nfds);
    free(frame->fds);
    frame->fds = NULL;
    frame->nfds = 0;
}

void vb_frame_reader_destroy(vb_frame_reader_t *r) {
    while (r->fds != NULL) {
        vb_fd_chunk_t *c = r->fds;
        r->fds = c->next;
        free_chunk(c, 1);
    }
    free(r->buf);
    memset(r, 0, sizeof(*r));
}
