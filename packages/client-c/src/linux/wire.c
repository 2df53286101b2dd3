// SPDX-License-Identifier: Apache-2.0
#include "wire.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "last_error.h"

// The kernel passes at most SCM_MAX_FD (253) descriptors per message.
#define MAX_FDS_PER_RECV 253
#define RECV_CHUNK 65536

int vb_wire_connect(const char *path, vmnet_broker_return_t *code) {
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof(addr.sun_path)) {
        *code = vb_fail(VMNET_BROKER_XPC_FAILURE, "socket path \"%s\": empty or longer than %zu bytes", path,
                        sizeof(addr.sun_path) - 1);
        return -1;
    }
    memcpy(addr.sun_path, path, n);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *code = vb_fail(VMNET_BROKER_XPC_FAILURE, "socket(AF_UNIX) failed: %s", strerror(errno));
        return -1;
    }
    int rc;
    do {
        rc = connect(fd, (struct sockaddr *)&addr, sizeof(addr));
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) {
        *code = vb_fail(VMNET_BROKER_XPC_FAILURE, "connect(%s) failed: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

vmnet_broker_return_t vb_wire_send_frame(int fd, const uint8_t *payload, size_t len, const int *fds, size_t nfds) {
    size_t total = VB_FRAME_HEADER_SIZE + len;
    uint8_t *frame = malloc(total);
    if (frame == NULL) {
        return vb_fail(VMNET_BROKER_INTERNAL_ERROR, "malloc(%zu) failed", total);
    }
    vb_frame_put_header(frame, (uint32_t)len);
    if (len > 0) {
        memcpy(frame + VB_FRAME_HEADER_SIZE, payload, len);
    }
    union {
        char buf[CMSG_SPACE(sizeof(int) * 4)];
        struct cmsghdr align;
    } control;
    size_t sent = 0;
    vmnet_broker_return_t ret = VMNET_BROKER_SUCCESS;
    while (sent < total) {
        struct iovec iov = {.iov_base = frame + sent, .iov_len = total - sent};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
        if (sent == 0 && nfds > 0) {
            if (nfds > 4) {
                ret = vb_fail(VMNET_BROKER_INVALID_REQUEST, "request: %zu descriptors, at most 4", nfds);
                break;
            }
            memset(&control, 0, sizeof(control));
            msg.msg_control = control.buf;
            msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
            struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
            cm->cmsg_level = SOL_SOCKET;
            cm->cmsg_type = SCM_RIGHTS;
            cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
            memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
        }
        ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            ret = vb_fail(VMNET_BROKER_XPC_FAILURE, "sendmsg to broker failed: %s", strerror(errno));
            break;
        }
        sent += (size_t)n;
    }
    free(frame);
    return ret;
}

static vmnet_broker_return_t wait_readable(int fd, unsigned timeout_ms) {
    if (timeout_ms == 0) {
        return VMNET_BROKER_SUCCESS;
    }
    struct pollfd p = {.fd = fd, .events = POLLIN};
    for (;;) {
        int rc = poll(&p, 1, (int)timeout_ms);
        if (rc > 0) {
            return VMNET_BROKER_SUCCESS;
        }
        if (rc == 0) {
            return vb_fail(VMNET_BROKER_XPC_FAILURE, "no reply from broker within %u ms", timeout_ms);
        }
        if (errno != EINTR) {
            return vb_fail(VMNET_BROKER_XPC_FAILURE, "poll on broker socket failed: %s", strerror(errno));
        }
    }
}

// One recvmsg into the reader.
static vmnet_broker_return_t recv_once(int fd, vb_frame_reader_t *reader, uint8_t *chunk) {
    union {
        char buf[CMSG_SPACE(sizeof(int) * MAX_FDS_PER_RECV)];
        struct cmsghdr align;
    } control;
    struct iovec iov = {.iov_base = chunk, .iov_len = RECV_CHUNK};
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof(control.buf)};
    ssize_t n;
    do {
        n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return vb_fail(VMNET_BROKER_XPC_FAILURE, "recvmsg from broker failed: %s", strerror(errno));
    }
    int fds[MAX_FDS_PER_RECV];
    size_t nfds = 0;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) {
            continue;
        }
        size_t count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count && nfds < MAX_FDS_PER_RECV; i++) {
            memcpy(&fds[nfds++], CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
        }
    }
    if (msg.msg_flags & MSG_CTRUNC) {
        for (size_t i = 0; i < nfds; i++) {
            close(fds[i]);
        }
        return vb_fail(VMNET_BROKER_INVALID_REPLY, "recvmsg: descriptors truncated (MSG_CTRUNC)");
    }
    if (n == 0) {
        for (size_t i = 0; i < nfds; i++) {
            close(fds[i]);
        }
        return vb_fail(VMNET_BROKER_XPC_FAILURE, "broker closed the connection");
    }
    if (vb_frame_reader_feed(reader, chunk, (size_t)n, fds, nfds) < 0) {
        return vb_fail(VMNET_BROKER_INTERNAL_ERROR, "out of memory buffering a reply");
    }
    return VMNET_BROKER_SUCCESS;
}

vmnet_broker_return_t vb_wire_recv_frame(int fd, vb_frame_reader_t *reader, unsigned timeout_ms, vb_frame_t *out) {
    uint8_t *chunk = NULL;
    vmnet_broker_return_t ret = VMNET_BROKER_SUCCESS;
    for (;;) {
        vb_frame_status_t st = vb_frame_reader_next(reader, out);
        if (st == VB_FRAME_READY) {
            break;
        }
        if (st == VB_FRAME_TOO_BIG) {
            ret = vb_fail(VMNET_BROKER_INVALID_REPLY, "reply frame larger than %u bytes", VB_MAX_REPLY_PAYLOAD);
            break;
        }
        if (chunk == NULL && (chunk = malloc(RECV_CHUNK)) == NULL) {
            ret = vb_fail(VMNET_BROKER_INTERNAL_ERROR, "malloc(%d) failed", RECV_CHUNK);
            break;
        }
        ret = wait_readable(fd, timeout_ms);
        if (ret == VMNET_BROKER_SUCCESS) {
            ret = recv_once(fd, reader, chunk);
        }
        if (ret != VMNET_BROKER_SUCCESS) {
            break;
        }
    }
    free(chunk);
    return ret;
}

static long elapsed_ms(const struct timespec *since) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since->tv_sec) * 1000L + (now.tv_nsec - since->tv_nsec) / 1000000L;
}

vmnet_broker_return_t vb_wire_poll_frame(int fd, vb_frame_reader_t *reader, unsigned timeout_ms, vb_frame_t *out,
                                         bool *ready) {
    *ready = false;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    uint8_t *chunk = NULL;
    vmnet_broker_return_t ret = VMNET_BROKER_SUCCESS;
    for (;;) {
        vb_frame_status_t st = vb_frame_reader_next(reader, out);
        if (st == VB_FRAME_READY) {
            *ready = true;
            break;
        }
        if (st == VB_FRAME_TOO_BIG) {
            ret = vb_fail(VMNET_BROKER_INVALID_REPLY, "reply frame larger than %u bytes", VB_MAX_REPLY_PAYLOAD);
            break;
        }
        long left = (long)timeout_ms - elapsed_ms(&start);
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int rc = poll(&p, 1, left > 0 ? (int)left : 0);
        if (rc == 0) {
            break; // nothing more within the time: not an error, the stream stays in step
        }
        if (rc < 0) {
            if (errno == EINTR) {
                continue;
            }
            ret = vb_fail(VMNET_BROKER_XPC_FAILURE, "poll on broker socket failed: %s", strerror(errno));
            break;
        }
        if (chunk == NULL && (chunk = malloc(RECV_CHUNK)) == NULL) {
            ret = vb_fail(VMNET_BROKER_INTERNAL_ERROR, "malloc(%d) failed", RECV_CHUNK);
            break;
        }
        ret = recv_once(fd, reader, chunk);
        if (ret != VMNET_BROKER_SUCCESS) {
            break;
        }
    }
    free(chunk);
    return ret;
}
